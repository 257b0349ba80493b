// common.mjs - what every browser test shares: Debian's chromium, started headless by
// playwright-core (which downloads no browser), with the flags this closed network needs.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.WSI_CHROMIUM || '/usr/bin/chromium';

// A browser with an empty profile; close() removes the profile too. `extra`: more options of
// launchPersistentContext (recordHar, ignoreHTTPSErrors...).
export async function launch(extra = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'wsi-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ...extra,
  });
  const close = async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); };
  return { context, close };
}

// A tiny test runner that prints the line tests/run-all.sh adds up.
export function suite(name) {
  let passed = 0, failed = 0, skipped = 0;
  return {
    skip(what, why) { skipped++; console.log(`skip ${what}: ${why}`); },
    ok(cond, what) {
      if (cond) { passed++; console.log(`ok   ${what}`); }
      else { failed++; console.log(`FAIL ${what}`); }
      return !!cond;
    },
    end() {
      console.log(`${name}: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
      process.exit(failed ? 1 : 0);
    },
  };
}
