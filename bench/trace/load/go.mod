module podprof.test/traceload

go 1.22
