//go:build !unix

package cli

import "os"

// reportSignalName is empty: there is no report signal here; the reports
// print at the end, and the API serves them.
const reportSignalName = ""

func notifyReports() (<-chan os.Signal, func()) { return nil, func() {} }
