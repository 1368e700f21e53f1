//go:build !race

package resolver

// raceEnabled: see race_on_test.go.
const raceEnabled = false
