package resolver

import (
	"errors"
	"fmt"
)

// Code is a stable error code (contract §5). Codes are never renamed
// and a retired code is never reused.
type Code string

// The codes of contract §5.
const (
	// CodeInvalidConfig: the config is missing, malformed, or has a bad field.
	CodeInvalidConfig Code = "invalid_config"
	// CodeInputNotFound: input_dir (or another input path) does not exist.
	CodeInputNotFound Code = "input_not_found"
	// CodeNoInput: input_dir holds no *.whl file.
	CodeNoInput Code = "no_input"
	// CodeInvalidWheel: one or more input wheels could not be parsed.
	CodeInvalidWheel Code = "invalid_wheel"
	// CodeIndexUnreachable: connection error, timeout or 5xx after retries.
	CodeIndexUnreachable Code = "index_unreachable"
	// CodeIndexError: a malformed answer, or 401/403.
	CodeIndexError Code = "index_error"
	// CodeInsecureIndex: plain HTTP or an unverified certificate for a host
	// that is not trusted.
	CodeInsecureIndex Code = "insecure_index"
	// CodeUnresolvedRequirements: strict mode and some requirements cannot
	// be satisfied.
	CodeUnresolvedRequirements Code = "unresolved_requirements"
	// CodeIOError: reading or writing a file failed.
	CodeIOError Code = "io_error"
	// CodeInternal: a bug in the library (a panic or a broken invariant).
	CodeInternal Code = "internal"
	// CodeTimeout: the time budget (time_budget_ms, or the context's
	// deadline) ran out, whatever the stage (scan, planning, index).
	CodeTimeout Code = "timeout"
	// CodeCancelled: the call was cancelled (its context was cancelled
	// while the library ran).
	CodeCancelled Code = "cancelled"
)

// Error is a failure reported by the resolver: the error envelope of
// contract §5. Use errors.As to get at it:
//
//	var rerr *resolver.Error
//	if errors.As(err, &rerr) { log.Print(rerr.Code, rerr.Details) }
type Error struct {
	Code    Code          `json:"code"`
	Message string        `json:"message"`
	Details []ErrorDetail `json:"details,omitempty"`

	// cause is the context's error when the call failed while the context
	// was done (errors.Is(err, context.DeadlineExceeded) then holds).
	cause error
}

// ErrorDetail is one problem with one input (a file, a field, a URL).
type ErrorDetail struct {
	// File is the file name relative to input_dir, or a URL.
	File string `json:"file,omitempty"`
	// Field is the config field concerned, as a dotted path.
	Field string `json:"field,omitempty"`
	// Reason says what is wrong with it.
	Reason string `json:"reason"`
}

// Error returns "<code>: <message>".
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the context error that accompanied the failure, if any.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, &resolver.Error{Code: resolver.CodeNoInput}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && t.Code == e.Code
}

// ErrorCode returns the code of the *Error in err's chain, or "" when there
// is none.
func ErrorCode(err error) Code {
	var rerr *Error
	if errors.As(err, &rerr) {
		return rerr.Code
	}
	return ""
}

func newError(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
