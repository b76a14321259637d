#!/usr/bin/env bash
# The epoch benchmark in every gpu.js mode, for a machine with a real GPU: one short run that
# says what ran, which GL device gpu.js reached (or why it could not reach the GPU), and the
# times. Run it from the repository root of a checkout that is installed and built
# (`pnpm install && pnpm build`: a device machine may have no network):
#
#   bash scripts/device-bench.sh            # results under $OUT, else ./device-bench-results
#
# What it does, each step bounded so that the whole fits in a few minutes:
#   1. the machine: nvidia-smi, Node, the load average;
#   2. what headless-gl (gpujs:headlessgl, gpujs:gl in Node) reports of its GL, under the
#      display it finds or under xvfb-run. headless-gl 8 names only "ANGLE" (it exposes no
#      WEBGL_debug_renderer_info); under Xvfb, whose GLX is Mesa's, it renders with llvmpipe on
#      the CPU, not the GPU, whatever GPU the machine has: an X server on the NVIDIA driver is
#      what would let it reach the GPU;
#   3. which WebGL renderer Chromium reaches with its GPU flags (ANGLE on EGL/Vulkan), as the
#      lab page would in a browser on that machine;
#   4. bench:kernels --quick, then bench:train on FMNIST_DEVICE_LIMIT images (default 10000)
#      for js, gpujs (webasm), gpujs:headlessgl and gpujs:gl, with Adam.
set -uo pipefail
out="${OUT:-device-bench-results}"
mkdir -p "$out"
limit="${FMNIST_DEVICE_LIMIT:-10000}"
log() { printf '%s\n' "$*" | tee -a "$out/summary.txt"; }
: > "$out/summary.txt"

log "# device-bench $(date -u +%FT%TZ)"
log "node $(node --version 2>/dev/null || echo missing); load $(cut -d' ' -f1-3 /proc/loadavg)"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/gpu: /' | tee -a "$out/summary.txt"
else
  log "gpu: nvidia-smi not found"
fi
if [ ! -d node_modules ] || [ ! -f packages/core/dist/gpujs/index.js ]; then
  log "error: this checkout is not installed and built; run pnpm install && pnpm build first"
  exit 1
fi

# A display for headless-gl: the one there is, else a virtual one (Mesa).
wrap=()
if [ -z "${DISPLAY:-}" ]; then
  if command -v xvfb-run >/dev/null; then wrap=(xvfb-run -a -s "-screen 0 1280x1024x24"); else log "no DISPLAY and no xvfb-run: the GL modes will be skipped"; fi
fi

log "## headless-gl"
(cd packages/core && timeout 60 "${wrap[@]}" node --input-type=module -e "
import { GpuJsGlBackend, glModeAvailability } from './dist/gpujs/index.js';
const a = glModeAvailability();
if (!a.available) { console.log('gpujs:gl unavailable: ' + a.reason); process.exit(0); }
const b = new GpuJsGlBackend();
const gl = b.context;
const dbg = gl.getExtension('WEBGL_debug_renderer_info');
console.log('renderer: ' + gl.getParameter(gl.RENDERER) + ' | version: ' + gl.getParameter(0x1F02) + ' | vendor: ' + gl.getParameter(0x1F00) + (dbg ? ' | unmasked: ' + gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : ' | no WEBGL_debug_renderer_info'));
console.log(b.describe());
b.dispose();
" 2>&1 | tee -a "$out/summary.txt")

log "## Chromium WebGL"
chromium_bin="$(command -v chromium || command -v chromium-browser || true)"
if [ -n "$chromium_bin" ]; then
  (cd apps/cli && CHROMIUM_BIN="$chromium_bin" timeout 90 node --input-type=module -e "
import { chromium } from 'playwright-core';
const flags = [
  ['--use-angle=vulkan', '--enable-features=Vulkan', '--ignore-gpu-blocklist'],
  ['--use-gl=angle', '--use-angle=gl-egl', '--ignore-gpu-blocklist'],
  ['--enable-unsafe-swiftshader'],
];
for (const extra of flags) {
  let browser;
  try {
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN, args: ['--headless=new', '--no-sandbox', ...extra] });
    const page = await browser.newPage();
    const info = await page.evaluate(() => {
      const c = document.createElement('canvas').getContext('webgl2');
      if (!c) return 'no webgl2 context';
      const e = c.getExtension('WEBGL_debug_renderer_info');
      return e ? c.getParameter(e.UNMASKED_RENDERER_WEBGL) : c.getParameter(c.RENDERER);
    });
    console.log(extra.join(' ') + ': ' + info);
  } catch (error) {
    console.log(extra.join(' ') + ': failed: ' + String(error.message).split('\n')[0]);
  } finally {
    await browser?.close();
  }
}
" 2>&1 | tee -a "$out/summary.txt")
else
  log "chromium not found: no browser probe"
fi

log "## bench:kernels --quick"
(cd packages/core && timeout 240 "${wrap[@]}" node bench/kernels.mjs --quick >/dev/null 2>"$out/kernels.log"; echo "rc $?") | tee -a "$out/summary.txt"
cp packages/core/bench-results/kernels.json "$out/" 2>/dev/null
grep -E "µs/step|read-back" "$out/kernels.log" | tee -a "$out/summary.txt"

log "## bench:train, $limit images, Adam"
(cd packages/nn && timeout 420 "${wrap[@]}" node bench/train.mjs --limit "$limit" --optimizers adam \
  --only custom:js,custom:gpujs,custom:gpujs:headlessgl,custom:gpujs:gl >"$out/train.json" 2>"$out/train.log"; echo "rc $?") | tee -a "$out/summary.txt"
grep -E "s/epoch|skipped|failed|load average" "$out/train.log" | tee -a "$out/summary.txt"
log "# done; files in $out"
