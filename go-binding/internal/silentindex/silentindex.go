// Package silentindex is a package "index" for the tests that never
// answers: a computation that asks it waits until its budget runs out or
// it is cancelled, which is what the cancellation and admission tests need.
package silentindex

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Index is a loopback listener that accepts connections, reads what the
// client sends and never answers. Open counts the connections the client
// has not closed yet: a computation still waiting on it keeps one.
type Index struct {
	// URL is the simple-API URL to put in a config.
	URL      string
	Accepted atomic.Int64
	Open     atomic.Int64
	ln       net.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

// New starts an Index, closed when t ends (the test is skipped when no
// loopback listener can be had).
func New(t testing.TB) *Index {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback listener: %v", err)
	}
	s := &Index{URL: "http://" + ln.Addr().String() + "/simple", ln: ln}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *Index) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.Accepted.Add(1)
		s.Open.Add(1)
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.Open.Add(-1)
			buf := make([]byte, 4096)
			for {
				if _, err := c.Read(buf); err != nil {
					return // the client closed it (or the test did)
				}
			}
		}()
	}
}

// WaitFor polls cond every 10 ms for up to limit and reports whether it
// became true.
func WaitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}
