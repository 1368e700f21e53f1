// Package service is the wheel-resolver's plan service for the Go worker
// and control-plane, built on the binding (package resolver of
// github.com/wheel-refinery/resolver/go-binding):
//
//   - [LoadOrCompute] is the worker's plan step: an existing plan file
//     (<output_dir>/plan.json, else <cache_dir>/plan.json) or a plan
//     computed in-process and written to the cache. [ReadPlanFile] and
//     [WritePlanFile] read and atomically write plan files.
//   - [Handler] serves the worker's /plan and the control-plane's
//     /api/plan/compute endpoints, with admission control (MaxConcurrent
//     plans at once, a bounded queue, 503 with Retry-After beyond it), and
//     [NewServer] wraps it in an http.Server with the timeouts it needs.
//
// # Errors
//
// The library's failures stay *resolver.Error values with the library's
// codes (resolver.Code). Requests the service refuses itself (bad token,
// unknown path, bad or oversized body, overload) are answered with this
// package's [Code]s, which the library never returns. Both kinds travel in
// the same JSON answer, {"error": {"code", "message", "details"}};
// [HTTPStatus] gives the status of each.
//
// # Contexts
//
// Every call takes the request's (or the caller's) context down to the
// library: a client that leaves, an http.TimeoutHandler or a server
// shutdown stops the computation within a fraction of a second and frees
// its slot (see package resolver, "Contexts").
package service
