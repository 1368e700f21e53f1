//go:build race

package resolver

// raceEnabled: the race detector's own bookkeeping grows RSS with every
// call, so memory bounds are looser under -race.
const raceEnabled = true
