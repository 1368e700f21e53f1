package resolver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestFetchWheels downloads a plan's fetch entries from a loopback server:
// downloaded and verified, then present, a sha256 mismatch failing only
// that file, credentials sent by origin and never reported.
func TestFetchWheels(t *testing.T) {
	body := []byte("wheel bytes for the Go FetchWheels test")
	sum := sha256.Sum256(body)
	sha := hex.EncodeToString(sum[:])
	var requests, authorised atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if u, p, ok := r.BasicAuth(); ok && u == "u" && p == "pw" {
			authorised.Add(1)
		}
		if r.URL.Path != "/files/x-1.0-py3-none-any.whl" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	withAuth := strings.Replace(srv.URL, "http://", "http://u:pw@", 1)
	cfg := basicConfig(t)
	cfg.Index = &IndexConfig{IndexURL: withAuth + "/simple/"}
	entry := FetchEntry{Name: "x", Version: "1.0", File: "x-1.0-py3-none-any.whl",
		URL: srv.URL + "/files/x-1.0-py3-none-any.whl", Sha256: sha, Index: srv.URL + "/simple/"}
	plan := &Plan{Fetch: []FetchEntry{entry}}
	dir := filepath.Join(t.TempDir(), "wheels")

	report, err := FetchWheels(context.Background(), cfg, plan, dir)
	if err != nil || report.Err() != nil {
		t.Fatalf("FetchWheels: %v %v", err, report.Err())
	}
	f := report.Files[0]
	if f.Status != FetchDownloaded || !f.Verified || f.Sha256 != sha || f.Bytes != uint64(len(body)) ||
		f.Path != filepath.Join(dir, entry.File) {
		t.Fatalf("report: %+v", report)
	}
	if got, _ := os.ReadFile(f.Path); string(got) != string(body) {
		t.Fatalf("file content %q", got)
	}
	if authorised.Load() != 1 {
		t.Errorf("credentials from the index URL not sent by origin (%d of %d)", authorised.Load(), requests.Load())
	}

	report, err = FetchWheels(context.Background(), cfg, plan, dir)
	if err != nil || report.Present != 1 || requests.Load() != 1 {
		t.Fatalf("second call: %v %+v (requests %d)", err, report, requests.Load())
	}

	bad := entry
	bad.File = "y-1.0-py3-none-any.whl"
	bad.Sha256 = strings.Repeat("0", 64)
	report, err = FetchWheels(context.Background(), cfg, &Plan{Fetch: []FetchEntry{bad, entry}}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if report.Failed != 1 || report.Downloaded != 1 || report.Files[0].Error == nil ||
		report.Files[0].Error.Code != CodeIndexError || ErrorCode(report.Err()) != CodeIndexError {
		t.Fatalf("mismatch: %+v", report)
	}
	if strings.Contains(report.Files[0].Error.Message, "pw") {
		t.Errorf("credentials in a message: %s", report.Files[0].Error.Message)
	}

	cfg.Index = nil
	if _, err := FetchWheels(context.Background(), cfg, plan, dir); ErrorCode(err) != CodeInvalidConfig {
		t.Fatalf("no index: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FetchWheels(ctx, cfg, plan, dir); err != context.Canceled {
		t.Fatalf("cancelled: %v", err)
	}
}
