#!/usr/bin/env bash
# Cost of Mermaid diagrams in a build: 1,000 notes with one diagram each (flowcharts,
# sequences and state diagrams with Korean and English labels), built cold (no .kb cache) and
# warm (cached SVG), against the same notes with the diagrams as plain code blocks.
# Usage: scripts/bench_diagrams.sh [NOTES] (OUT=/dev/shm/kb-diagrams to run on tmpfs)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
out="${OUT:-bench-out/diagrams}"
cargo build --release --quiet
kb="$PWD/target/release/kb"
rm -rf "$out" && mkdir -p "$out"
python3 - "$out" "$n" <<'PY'
import os, sys
out, n = sys.argv[1], int(sys.argv[2])
techs = ["Redis", "Kafka", "Celery", "Airflow", "Spark", "Nginx", "Docker", "Elasticsearch"]
def diagram(i):
    a, b, c = techs[i % 8], techs[(i + 3) % 8], techs[(i + 5) % 8]
    k = i % 3
    if k == 0:
        return f"flowchart LR\n  A[{a} 입력 {i}] -->|전송| B[({b} 저장소)]\n  B --> C{{{c} 처리 성공?}}\n  C -->|예| D[완료 {i}]\n  C -->|아니오| A\n"
    if k == 1:
        return f"sequenceDiagram\n  participant X as {a} 클라이언트\n  participant Y as {b} 서버\n  X->>Y: 요청 {i}\n  Y-->>X: 응답 OK\n"
    return f"stateDiagram-v2\n  [*] --> 대기\n  대기 --> 실행: {a} 작업 {i}\n  실행 --> 완료: {b} 성공\n  실행 --> 대기: {c} 재시도\n  완료 --> [*]\n"
for kind in ["diagrams", "code"]:
    d = os.path.join(out, kind, "notes")
    os.makedirs(d)
    for i in range(n):
        fence = "mermaid" if kind == "diagrams" else "text"
        with open(os.path.join(d, f"note-{i:04}.md"), "w") as f:
            f.write(f"# 노트 {i}\n\n{techs[i % 8]} 구성.\n\n```{fence}\n{diagram(i)}```\n")
PY
printf "%-10s %-6s %8s %10s\n" kb run wall_s peak_mib
for kind in code diagrams; do
  root="$out/$kind"
  rm -rf "$root/.kb" "$root/public"
  for run in cold warm; do
    /usr/bin/time -f "%e %M" -o "$out/time" "$kb" build -q --root "$root" >/dev/null 2>&1
    read -r wall kib <"$out/time"
    printf "%-10s %-6s %8s %10s\n" "$kind" "$run" "$wall" "$((kib / 1024))"
  done
done
