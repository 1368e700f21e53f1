package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	resolver "github.com/wheel-refinery/resolver/go-binding"
)

// Code is an error code of an HTTP answer that the library itself never
// returns: the request was refused before any plan was computed. Answers
// carry either one of these or one of the library's codes (resolver.Code),
// in the same {"error": {"code", "message", "details"}} envelope.
type Code string

// The codes of the service, with the status each is answered with.
const (
	// CodeNotFound (404): an unknown path, or GET /plan with no plan yet.
	CodeNotFound Code = "not_found"
	// CodeForbidden (403): /plan without the right worker token.
	CodeForbidden Code = "forbidden"
	// CodeMethodNotAllowed (405): a method the path does not serve; the
	// answer's Allow header lists those it does.
	CodeMethodNotAllowed Code = "method_not_allowed"
	// CodeInvalidRequest (400): a request body that is not the documented
	// JSON object; 408 when the body did not arrive within BodyTimeout.
	CodeInvalidRequest Code = "invalid_request"
	// CodeRequestTooLarge (413): a body above MaxBodyBytes.
	CodeRequestTooLarge Code = "request_too_large"
	// CodeOverloaded (503, with Retry-After): every slot is taken and the
	// queue is full, or the wait for a slot timed out.
	CodeOverloaded Code = "overloaded"
)

// StatusClientClosedRequest (499, as nginx logs it; not a standard status)
// answers a request whose own context was cancelled while its plan was
// computed or queued: the client left, so nobody reads it, but access logs
// tell it apart from a server error.
const StatusClientClosedRequest = 499

// Error is a request the service refused itself (one of this package's
// codes). Failures of the library are *resolver.Error values instead.
type Error struct {
	Code    Code
	Message string
}

// Error returns "<code>: <message>".
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && t.Code == e.Code
}

// HTTPStatus maps an error to the status Handler answers it with: for the
// library's codes 400 for config and input problems, 502 for index
// failures, 504 for "timeout" (an expired budget or deadline), 499
// (StatusClientClosedRequest) for "cancelled" (a cancelled context), 500
// for the rest; for this package's codes the status each one documents
// (400 for invalid_request); a bare context error is 504 or 499, any
// other error 500.
func HTTPStatus(err error) int {
	var serr *Error
	if errors.As(err, &serr) {
		if status, ok := serviceStatus[serr.Code]; ok {
			return status
		}
		return http.StatusInternalServerError
	}
	switch resolver.ErrorCode(err) {
	case resolver.CodeInvalidConfig, resolver.CodeInputNotFound, resolver.CodeNoInput,
		resolver.CodeInvalidWheel, resolver.CodeUnresolvedRequirements:
		return http.StatusBadRequest
	case resolver.CodeIndexUnreachable, resolver.CodeIndexError, resolver.CodeInsecureIndex:
		return http.StatusBadGateway
	case resolver.CodeTimeout:
		return http.StatusGatewayTimeout
	case resolver.CodeCancelled:
		return StatusClientClosedRequest
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout
	}
	if errors.Is(err, context.Canceled) {
		return StatusClientClosedRequest
	}
	return http.StatusInternalServerError
}

// serviceStatus is the status of each of this package's codes.
var serviceStatus = map[Code]int{
	CodeNotFound:         http.StatusNotFound,
	CodeForbidden:        http.StatusForbidden,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeInvalidRequest:   http.StatusBadRequest,
	CodeRequestTooLarge:  http.StatusRequestEntityTooLarge,
	CodeOverloaded:       http.StatusServiceUnavailable,
}
