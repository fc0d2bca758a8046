# Reads `wrk --latency` output; prints "requests_per_second p50_ms p99_ms non_2xx".
function ms(v) {
  if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
  if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
  if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
  return v
}
/^ +50%/ { p50 = ms($2) }
/^ +99%/ { p99 = ms($2) }
/Requests\/sec/ { rps = $2 }
/Non-2xx/ { bad = $5 }
END { printf "%.1f %.2f %.2f %d\n", rps, p50, p99, bad + 0 }
