package parity

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"
)

// StartPypiServer serves dir with pypiserver (PEP 503, --disable-fallback)
// on a free loopback port and returns its simple-API URL. Without
// pypiserver the test is skipped, except under CI, where it fails.
func StartPypiServer(t testing.TB, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("pypi-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pypi-server not found (scripts/ci-setup.sh installs it)")
		}
		t.Skip("SKIPPED: pypi-server not found; run scripts/ci-setup.sh")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("pypi-server", "run", "-p", fmt.Sprint(port), "-i", "127.0.0.1",
		"--disable-fallback", "-a", ".", "-P", ".", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	origin := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(origin + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return origin + "/simple/"
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pypi-server on port %d did not become ready: %v", port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
