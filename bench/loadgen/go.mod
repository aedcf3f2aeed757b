module egw/bench/loadgen

go 1.26
