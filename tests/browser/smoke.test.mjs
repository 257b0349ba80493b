// smoke.mjs - the browser starts, renders a page from a data: URL and runs its script.
import { launch, suite } from './common.mjs';
const t = suite('browser/smoke');
const { context, close } = await launch();
try {
  const page = await context.newPage();
  await page.setContent('<p id=x>a</p><script>document.getElementById("x").textContent="b"</script>');
  t.ok(await page.textContent('#x') === 'b', 'chromium runs a page script');
} finally { await close(); }
t.end();
