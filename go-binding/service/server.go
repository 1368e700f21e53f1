package service

import (
	"net/http"
	"time"
)

// Recommended http.Server settings for serving a Handler (see NewServer).
const (
	// ServerReadHeaderTimeout bounds reading a request's headers.
	ServerReadHeaderTimeout = 5 * time.Second
	// ServerIdleTimeout bounds an idle keep-alive connection.
	ServerIdleTimeout = 2 * time.Minute
	// ServerMaxHeaderBytes bounds a request's headers.
	ServerMaxHeaderBytes = 64 << 10
	// serverSlack is added to the longest a plan request can take (body,
	// queue, computation) to get the server's read and write timeouts.
	serverSlack = 5 * time.Second
)

// NewServer returns an *http.Server on addr serving h with the timeouts this
// package recommends:
//
//   - ReadHeaderTimeout 5 s and MaxHeaderBytes 64 KiB: a client that trickles
//     its headers holds a goroutine and a descriptor for at most 5 s.
//   - The body is bounded by the Handler itself (BodyTimeout, default 10 s).
//   - WriteTimeout and ReadTimeout: BodyTimeout + QueueTimeout + Timeout +
//     5 s, i.e. above the longest a plan request can take. WriteTimeout must
//     be above Handler.Timeout, or a plan that takes nearly its whole budget
//     is computed and then cannot be sent. ReadTimeout must be too: once it
//     passes, net/http cancels the request's context, which (since the
//     context reaches the library) stops the plan. With Timeout 0 (no
//     bound) both are left at 0.
//   - IdleTimeout 2 min for keep-alive connections.
//
// Use it as is, or copy the fields onto your own server (e.g. one that
// serves other routes too):
//
//	h := &service.Handler{Config: cfg, Timeout: 30 * time.Second}
//	srv := service.NewServer(":8080", h)
//	log.Fatal(srv.ListenAndServe())
func NewServer(addr string, h *Handler) *http.Server {
	var whole time.Duration
	if h.Timeout > 0 {
		body, queue := h.BodyTimeout, h.QueueTimeout
		if body <= 0 {
			body = DefaultBodyTimeout
		}
		if queue <= 0 {
			queue = DefaultQueueTimeout
		}
		whole = body + queue + h.Timeout + serverSlack
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ServerReadHeaderTimeout,
		ReadTimeout:       whole,
		WriteTimeout:      whole,
		IdleTimeout:       ServerIdleTimeout,
		MaxHeaderBytes:    ServerMaxHeaderBytes,
	}
}
