package main

import (
	"os"
	"testing"
)

// MAILSCOPE_TRACE_BUDGET reaches app.Options as serve's --trace-budget
// would: a size in bytes, "0" for everything (negative in app.Options),
// unset for the app's default, garbage refused.
func TestAppOptionsTraceBudget(t *testing.T) {
	for _, c := range []struct {
		set    bool
		value  string
		budget int64
		err    bool
	}{
		{set: false, budget: 0},
		{set: true, value: "64MB", budget: 64 << 20},
		{set: true, value: "1GB", budget: 1 << 30},
		{set: true, value: "0", budget: -1},
		{set: true, value: "lots", err: true},
	} {
		if c.set {
			t.Setenv("MAILSCOPE_TRACE_BUDGET", c.value)
		} else {
			t.Setenv("MAILSCOPE_TRACE_BUDGET", "")
			// t.Setenv restores it afterwards; LookupEnv must see it absent.
			os.Unsetenv("MAILSCOPE_TRACE_BUDGET")
		}
		o, err := appOptions()
		if (err != nil) != c.err {
			t.Errorf("%q: err %v, want error %v", c.value, err, c.err)
			continue
		}
		if o.TraceBudget != c.budget {
			t.Errorf("%q (set %v): TraceBudget %d, want %d", c.value, c.set, o.TraceBudget, c.budget)
		}
	}
}
