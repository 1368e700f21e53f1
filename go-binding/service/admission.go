package service

import (
	"net/http"
	"runtime"
	"time"
)

// Defaults of Handler's admission control.
const (
	// DefaultQueueTimeout is how long a request may wait for a free slot.
	DefaultQueueTimeout = 2 * time.Second
	// DefaultRetryAfter is the Retry-After of a 503 (whole seconds).
	DefaultRetryAfter = time.Second
)

// DefaultMaxConcurrent is the default of Handler.MaxConcurrent: the number
// of CPUs Go may use (GOMAXPROCS, which follows the container's CPU limit),
// at least 2. Planning is CPU-bound (the scan already uses every core), so
// more plans at once only add memory and latency, not throughput.
func DefaultMaxConcurrent() int {
	n := runtime.GOMAXPROCS(0)
	if n < 2 {
		n = 2
	}
	return n
}

// admit waits for a computation slot. It answers the request itself (503
// with Retry-After, or 499 when the client left) and returns false when no
// slot is to be had; otherwise the caller must call release when done.
func (h *Handler) admit(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	a := &h.admission
	a.once.Do(func() {
		n := h.MaxConcurrent
		if n <= 0 {
			n = DefaultMaxConcurrent()
		}
		a.slots = make(chan struct{}, n)
		switch {
		case h.MaxQueue < 0:
			a.limit = 0
		case h.MaxQueue == 0:
			a.limit = int64(2 * n)
		default:
			a.limit = int64(h.MaxQueue)
		}
	})
	release = func() { <-a.slots }
	select {
	case a.slots <- struct{}{}:
		return release, true
	default:
	}
	if a.queued.Add(1) > a.limit {
		a.queued.Add(-1)
		h.overloaded(w, "too many plans in progress and queued")
		return nil, false
	}
	defer a.queued.Add(-1)
	wait := h.QueueTimeout
	if wait <= 0 {
		wait = DefaultQueueTimeout
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case a.slots <- struct{}{}:
		return release, true
	case <-timer.C:
		h.overloaded(w, "no plan slot became free within "+wait.String())
	case <-r.Context().Done():
		writeResolverError(w, r.Context().Err())
	}
	return nil, false
}

func (h *Handler) overloaded(w http.ResponseWriter, why string) {
	after := h.RetryAfter
	if after <= 0 {
		after = DefaultRetryAfter
	}
	secs := int64((after + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", itoa(secs))
	refuse(w, http.StatusServiceUnavailable, &Error{Code: CodeOverloaded, Message: why + "; retry after " + itoa(secs) + " s"})
}
