// Command bench-serve is the load test of service.Handler (make
// bench-serve): N concurrent clients against the example server of the
// README, and the disconnect experiment. Loopback only; every loop is
// bounded in count and time. It prints figures and asserts nothing.
//
//	bench-serve [-input DIR | -wheels 2000] [-clients 1,4,16,64] [-duration 10s]
//	            [-disconnect 20] [-server-cmd CMD]
//
// For each client count a fresh server process (this binary, "serve" mode,
// or -server-cmd) plans the input with the Handler's defaults (Timeout
// 30 s); the clients POST /api/plan/compute in a loop for -duration,
// honouring Retry-After on 503. Printed per row: plans/s (200 answers),
// p50/p99 latency of the 200s, the answers by status, the server's peak RSS
// and peak OS threads (sampled every 20 ms from /proc), and its threads
// and RSS 3 s after the load stopped.
//
// The disconnect experiment: a server whose index is a loopback listener
// that accepts and never answers, admitting every client (MaxConcurrent =
// -disconnect); -disconnect clients each give up after 1 s; 3 s later, how
// many index connections (= computations still waiting on the index) are
// open, and the server's threads.
//
// -server-cmd runs another server binary instead (e.g. one built from an
// older commit for a before/after comparison): it is started as
// `CMD -addr 127.0.0.1:0 -input DIR [-index URL -max-concurrent N]` and must print
// "listening ADDR" on its first line of stdout.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	resolver "github.com/wheel-refinery/resolver/go-binding"
	"github.com/wheel-refinery/resolver/go-binding/service"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		serve(os.Args[2:])
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench-serve:", err)
		os.Exit(1)
	}
}

// serve is the example server of the README with the Handler's defaults.
func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback)")
	input := fs.String("input", "", "input_dir")
	index := fs.String("index", "", "index URL (the disconnect experiment)")
	maxConcurrent := fs.Int("max-concurrent", 0, "Handler.MaxConcurrent (0: the default)")
	_ = fs.Parse(args)
	cfg := resolver.Config{InputDir: *input, TargetPython: "3.11", TargetPlatformTag: "manylinux2014_s390x"}
	if *index != "" {
		cfg.FallbackLatest = true
		cfg.Index = &resolver.IndexConfig{IndexURL: *index, TimeoutSeconds: 15}
	}
	h := &service.Handler{Config: cfg, Timeout: 30 * time.Second, MaxConcurrent: *maxConcurrent}
	srv := service.NewServer(*addr, h)
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
	fmt.Printf("listening %s\n", ln.Addr())
	_ = srv.Serve(ln)
}

type options struct {
	input      string
	clients    []int
	duration   time.Duration
	disconnect int
	serverCmd  []string
}

func run() error {
	wheels := flag.Int("wheels", 2000, "generate a synthetic input of this many wheels (bench/gen_corpus.py) unless -input")
	input := flag.String("input", "", "input directory to plan")
	clients := flag.String("clients", "1,4,16,64", "concurrent clients per row")
	duration := flag.Duration("duration", 10*time.Second, "load per row (at most 60 s)")
	disconnect := flag.Int("disconnect", 20, "clients of the disconnect experiment (0: skip)")
	serverCmd := flag.String("server-cmd", "", "server command to test instead of this binary's serve mode")
	flag.Parse()
	o := options{input: *input, duration: *duration, disconnect: *disconnect}
	if o.duration <= 0 || o.duration > time.Minute {
		return errors.New("-duration must be in (0, 60s]")
	}
	if o.disconnect > 200 {
		return errors.New("-disconnect must be at most 200")
	}
	for _, f := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 256 {
			return fmt.Errorf("bad -clients entry %q (1..256)", f)
		}
		o.clients = append(o.clients, n)
	}
	if *serverCmd != "" {
		o.serverCmd = strings.Fields(*serverCmd)
	} else {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		o.serverCmd = []string{self, "serve"}
	}
	if o.input == "" {
		dir, err := os.MkdirTemp("", "bench-serve-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.input = filepath.Join(dir, "input")
		gen := exec.Command("python3", filepath.Join(repoRoot(), "bench", "gen_corpus.py"), strconv.Itoa(*wheels), o.input)
		gen.Stderr = os.Stderr
		if err := gen.Run(); err != nil {
			return fmt.Errorf("generating the corpus: %w", err)
		}
	}
	entries, _ := os.ReadDir(o.input)
	fmt.Printf("input: %s (%d files), %d CPUs, %v per row, server: %s\n\n",
		o.input, len(entries), runtime.NumCPU(), o.duration, strings.Join(o.serverCmd, " "))
	fmt.Println("| concurrent clients | plans/s | p50 | p99 | answers | peak RSS | OS threads (peak / idle after) | RSS idle after |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, n := range o.clients {
		if err := loadRow(o, n); err != nil {
			return err
		}
	}
	if o.disconnect > 0 {
		fmt.Println()
		if err := disconnectExperiment(o); err != nil {
			return err
		}
	}
	return nil
}

// repoRoot is the repository root: two levels above go-binding/cmd/bench-serve
// when run from the source tree, else the working directory's parent.
func repoRoot() string {
	wd, _ := os.Getwd()
	for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "bench", "gen_corpus.py")); err == nil {
			return d
		}
	}
	return filepath.Dir(wd)
}

// server is a running server process.
type server struct {
	cmd  *exec.Cmd
	addr string
}

func startServer(o options, extra ...string) (*server, error) {
	args := append(append([]string{}, o.serverCmd[1:]...), "-addr", "127.0.0.1:0", "-input", o.input)
	args = append(args, extra...)
	cmd := exec.Command(o.serverCmd[0], args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("server did not say where it listens: %q %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return &server{cmd: cmd, addr: addr}, nil
}

func (s *server) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// procStatus reads VmRSS (bytes) and Threads of a process.
func procStatus(pid int) (rss int64, threads int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			rss = kb << 10
		case "Threads:":
			threads, _ = strconv.Atoi(f[1])
		}
	}
	return rss, threads
}

// sampler records the peak RSS and threads of a process until stopped.
type sampler struct {
	peakRSS     atomic.Int64
	peakThreads atomic.Int64
	stopCh      chan struct{}
	done        chan struct{}
}

func sample(pid int) *sampler {
	s := &sampler{stopCh: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			rss, th := procStatus(pid)
			if rss > s.peakRSS.Load() {
				s.peakRSS.Store(rss)
			}
			if int64(th) > s.peakThreads.Load() {
				s.peakThreads.Store(int64(th))
			}
			select {
			case <-s.stopCh:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) stop() { close(s.stopCh); <-s.done }

func mb(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }

func loadRow(o options, n int) error {
	srv, err := startServer(o)
	if err != nil {
		return err
	}
	defer srv.stop()
	url := "http://" + srv.addr + service.ComputePlanPath
	transport := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}
	client := &http.Client{Transport: transport, Timeout: 2 * time.Minute}
	defer transport.CloseIdleConnections()
	// One warm-up plan (page cache, pool start).
	if _, _, err := post(client, url); err != nil {
		return err
	}
	s := sample(srv.cmd.Process.Pid)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		statuses  = map[int]int{}
		noRetry   int
		wg        sync.WaitGroup
	)
	start := time.Now()
	end := start.Add(o.duration)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				t0 := time.Now()
				status, hdr, err := post(client, url)
				el := time.Since(t0)
				mu.Lock()
				if err != nil {
					statuses[-1]++
				} else {
					statuses[status]++
				}
				if status == 200 {
					latencies = append(latencies, el)
				}
				if status == 503 && hdr.Get("Retry-After") == "" {
					noRetry++
				}
				mu.Unlock()
				if status == 503 {
					secs, _ := strconv.Atoi(hdr.Get("Retry-After"))
					pause := time.Duration(secs) * time.Second
					if pause <= 0 || pause > 5*time.Second {
						pause = time.Second
					}
					if left := time.Until(end); left < pause {
						pause = left
					}
					if pause > 0 {
						time.Sleep(pause)
					}
				}
				if err != nil {
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	s.stop()
	transport.CloseIdleConnections()
	time.Sleep(3 * time.Second)
	idleRSS, idleThreads := procStatus(srv.cmd.Process.Pid)

	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) string {
		if len(latencies) == 0 {
			return "-"
		}
		d := latencies[int(p*float64(len(latencies)-1))]
		if d >= time.Second {
			return fmt.Sprintf("%.2f s", d.Seconds())
		}
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	var answers []string
	codes := make([]int, 0, len(statuses))
	for c := range statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		name := strconv.Itoa(c)
		if c == -1 {
			name = "transport error"
		}
		answers = append(answers, fmt.Sprintf("%s×%d", name, statuses[c]))
	}
	if noRetry > 0 {
		answers = append(answers, fmt.Sprintf("%d 503s WITHOUT Retry-After", noRetry))
	}
	fmt.Printf("| %d | %.1f | %s | %s | %s | %s | %d / %d | %s |\n", n,
		float64(len(latencies))/elapsed.Seconds(), pct(0.5), pct(0.99), strings.Join(answers, " "),
		mb(s.peakRSS.Load()), s.peakThreads.Load(), idleThreads, mb(idleRSS))
	return nil
}

func post(client *http.Client, url string) (int, http.Header, error) {
	resp, err := client.Post(url, "application/json", strings.NewReader(`{"target_python": "3.11"}`))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header, nil
}

// disconnectExperiment: clients that give up after 1 s on plans stuck on a
// silent index.
func disconnectExperiment(o options) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	var open, accepted atomic.Int64
	var conns sync.Map
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			open.Add(1)
			conns.Store(c, true)
			go func() {
				defer open.Add(-1)
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	defer conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })

	// A small input with ranges the index must answer (fallback_latest).
	dir, err := os.MkdirTemp("", "bench-serve-stuck-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	stuck := o
	stuck.input = filepath.Join(repoRoot(), "fixtures", "parity", "44_index_down_fails_clearly", "input")
	// Every client admitted (MaxConcurrent = clients), so that each one
	// starts a computation that its leaving must stop.
	srv, err := startServer(stuck, "-index", "http://"+ln.Addr().String()+"/simple",
		"-max-concurrent", strconv.Itoa(o.disconnect))
	if err != nil {
		return err
	}
	defer srv.stop()
	pid := srv.cmd.Process.Pid
	_, baseThreads := procStatus(pid)
	s := sample(pid)
	var wg sync.WaitGroup
	var gaveUp, refused, other atomic.Int64
	url := "http://" + srv.addr + service.ComputePlanPath
	for i := 0; i < o.disconnect; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader("{}"))
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				gaveUp.Add(1)
				return
			}
			if resp.StatusCode == http.StatusServiceUnavailable {
				refused.Add(1)
			} else {
				other.Add(1)
			}
			resp.Body.Close()
		}()
	}
	wg.Wait()
	atPeakOpen := open.Load()
	time.Sleep(3 * time.Second)
	s.stop()
	rss, threads := procStatus(pid)
	fmt.Printf("disconnect experiment: %d clients, each giving up after 1 s, against plans stuck on a silent index: %d gave up, %d got 503 at once, %d other answers; %d index connections made, %d open when they left\n",
		o.disconnect, gaveUp.Load(), refused.Load(), other.Load(), accepted.Load(), atPeakOpen)
	fmt.Printf("  3 s later: %d index connections still open (computations still running), server threads %d (idle before: %d, peak %d), RSS %s (peak %s)\n",
		open.Load(), threads, baseThreads, s.peakThreads.Load(), mb(rss), mb(s.peakRSS.Load()))
	return nil
}
