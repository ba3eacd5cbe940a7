// The dashboard page in headless Chromium against a real silo.
//
//   node tests/browser/dashboard.test.mjs      (scripts/browser-test.sh installs what it needs and runs it)
//
// Starts the Release silo as the embedded default (memory storage, demo on, a signing key generated at start-up)
// on free ports, opens the page with a fresh profile, lets it sign in to the demo tenant by itself, pushes
// gestiones of a new ejecutivo through REST and expects the leaderboard to show them within a second of the
// push's answer (over the SignalR hub), then downloads CSV and Arrow, stops the silo and expects the page to say
// it is offline. Each check prints `browser: PASS|FAIL <name>`; the last line is `browser: page: N passed, N failed`.
//
// Environment: PULSO_TEST_RESULTS (where the screenshot and logs go; default .scratch/test-results),
// PULSO_CHROMIUM (default /usr/bin/chromium).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const results = path.resolve(process.env.PULSO_TEST_RESULTS ?? path.join(root, '.scratch', 'test-results'));
const siloDll = path.join(root, 'src', 'Silo', 'bin', 'Release', 'net10.0', 'Pulso.Silo.dll');
const chromiumPath = process.env.PULSO_CHROMIUM ?? '/usr/bin/chromium';
const LIVE_BUDGET_MS = 1000;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const outcomes = [];
let stopRest = null;
let siloProcess = null;

// A timeout or Ctrl-C must not leave the silo running.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    siloProcess?.kill('SIGKILL');
    process.exit(1);
  });
}

function report(name, ok, detail) {
  outcomes.push(ok);
  console.log(`browser: ${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

/** Runs one check; a thrown error fails it. Once a required check fails, the rest are failed unrun. */
async function check(name, fn, { required = false } = {}) {
  if (stopRest) {
    report(name, false, `not run: ${stopRest}`);
    return undefined;
  }
  const started = performance.now();
  try {
    const detail = await fn();
    report(name, true, `${detail ? `${detail}; ` : ''}${Math.round(performance.now() - started)} ms`);
    return true;
  } catch (error) {
    report(name, false, error?.message?.split('\n')[0] ?? String(error));
    if (required) {
      stopRest = `'${name}' failed`;
    }
    return false;
  }
}

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Calls fn until it returns a truthy value or the deadline passes (waiting on the silo's event, not a fixed time). */
async function until(what, timeoutMs, fn) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await fn();
      if (value) {
        return value;
      }
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Local date-time parts of an instant in an IANA zone. */
function localParts(timeZone, at = new Date()) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const part = (type) => parts.find((p) => p.type === type).value;
  return { date: `${part('year')}-${part('month')}-${part('day')}`, time: `${part('hour')}:${part('minute')}:${part('second')}` };
}

async function startSilo(port) {
  const [siloPort, gatewayPort] = [await freePort(), await freePort()];
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('Pulso__') && k !== 'ASPNETCORE_URLS'));
  Object.assign(env, {
    // The embedded default, on ports of its own: no key configured, so /dev/token is served.
    Pulso__Cluster__SiloPort: String(siloPort),
    Pulso__Cluster__GatewayPort: String(gatewayPort),
    Pulso__Cluster__ClusterId: `browser-${process.pid}`,
    Pulso__Demo__Enabled: 'true',
    // The simulator fills the day once at start and then stays still, so only the test moves the figures.
    Pulso__Demo__IntervalSeconds: '3600',
    DOTNET_NOLOGO: '1',
  });
  const log = createWriteStream(path.join(results, 'browser-silo.log'));
  const silo = spawn('dotnet', [siloDll, '--urls', `http://127.0.0.1:${port}`], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  siloProcess = silo;
  let token = null;
  let buffered = '';
  silo.stdout.on('data', (chunk) => {
    log.write(chunk);
    buffered += chunk.toString();
    const match = /^PULSO_DEV_TOKEN=(\S+)$/m.exec(buffered);
    if (match) {
      token = match[1];
    }
  });
  silo.stderr.on('data', (chunk) => log.write(chunk));
  silo.exited = once(silo, 'exit');
  await until('the silo to print PULSO_DEV_TOKEN', 90_000, () => {
    if (silo.exitCode !== null) {
      throw new Error(`the silo exited with ${silo.exitCode}; see browser-silo.log`);
    }
    return token;
  });
  return { silo, token };
}

async function main() {
  await mkdir(results, { recursive: true });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const { silo, token } = await startSilo(port);
  const auth = { Authorization: `Bearer ${token}` };
  console.log(`browser: silo up on ${base} after ${Math.round(performance.now() - started)} ms`);

  const profile = await mkdtemp(path.join(os.tmpdir(), 'pulso-chromium-'));
  const errors = [];
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1600, height: 1000 },
      acceptDownloads: true,
      // A zone far from the tenant's: "today" must be the tenant's day, not the browser's.
      timezoneId: 'Asia/Tokyo',
      locale: 'es-PE',
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') {
        errors.push({ text: message.text(), at: message.location()?.url ?? '' });
      }
    });
    page.on('pageerror', (error) => errors.push({ text: `uncaught: ${error.message}`, at: '' }));

    // The demo tenant exists once the silo has created it.
    const settings = await until('the demo tenant', 90_000, async () => {
      const response = await fetch(`${base}/api/v1/tenants/demo`, { headers: auth });
      return response.ok ? (await response.json()).settings : null;
    });

    await check(
      'signs in to the demo tenant by itself and shows the leaderboard live',
      async () => {
        await page.goto(base, { waitUntil: 'domcontentloaded' });
        await page.waitForFunction(() => document.querySelectorAll('#ranking tbody tr[data-ejecutivo]').length > 0, null, { timeout: 60_000 });
        await page.waitForFunction(() => document.getElementById('estado').dataset.estado === 'live', null, { timeout: 30_000 });
        const source = await page.evaluate(() => sessionStorage.getItem('pulso.tokenSource'));
        assert(source === 'dev', `the token came from '${source}', not /dev/token`);
        const tenant = await page.textContent('#cliente');
        assert(tenant.includes('demo'), `the header names '${tenant}'`);
        const rows = await page.locator('#ranking tbody tr[data-ejecutivo]').count();
        return `${rows} ejecutivos`;
      },
      { required: true },
    );

    // A new ejecutivo, today in the tenant's zone: 4 gestiones, 2 contacts, 1 PDP, one unmapped tipificación.
    const suffix = `${process.pid}${Date.now() % 100000}`;
    const ejecutivo = `ZZ-NAVEGADOR-${suffix}`;
    const unmapped = `ZZ PRUEBA SIN MAPEO ${suffix}`;
    const { date, time } = localParts(settings.timeZone);
    const fecha = `${date} ${time}`;
    const csv = [
      'cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal',
      `demo,${fecha},B${suffix}1,${ejecutivo},PROMESA DE PAGO,100.50,10,LLAMADA`,
      `demo,${fecha},B${suffix}2,${ejecutivo},CONTACTO TITULAR,200.25,40,LLAMADA`,
      `demo,${fecha},B${suffix}3,${ejecutivo},NO CONTESTA,300.00,70,SMS`,
      `demo,${fecha},B${suffix}4,${ejecutivo},${unmapped},0.00,400,WHATSAPP`,
    ].join('\n');
    const expected = {
      total_gestiones: '4',
      contactos: '2',
      tasa_contactabilidad: '50.0000',
      compromisos: '1',
      pdps_por_hora: '',
      saldo_total: '600.75',
      deudores_unicos: '4',
    };

    await check(`a pushed gestión reaches the leaderboard within ${LIVE_BUDGET_MS} ms of the push's answer`, async () => {
      const response = await fetch(`${base}/api/v1/tenants/demo/gestiones`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body: csv });
      const acknowledged = performance.now();
      const answer = await response.text();
      assert(response.status === 200, `push answered ${response.status}: ${answer}`);
      assert(JSON.parse(answer).accepted === 4, `push answered ${answer}`);
      await page.waitForFunction(
        (name) => document.querySelector(`#ranking tbody tr[data-ejecutivo="${CSS.escape(name)}"]`) !== null,
        ejecutivo,
        { timeout: 10_000, polling: 'raf' },
      );
      const elapsed = Math.round(performance.now() - acknowledged);
      const shown = await page.evaluate((name) => {
        const row = document.querySelector(`#ranking tbody tr[data-ejecutivo="${CSS.escape(name)}"]`);
        return Object.fromEntries([...row.querySelectorAll('td[data-metric]')].map((td) => [td.dataset.metric, td.dataset.value]));
      }, ejecutivo);
      for (const [metric, value] of Object.entries(expected)) {
        assert(shown[metric] === value, `${metric} shows '${shown[metric]}', expected '${value}'`);
      }
      assert(elapsed <= LIVE_BUDGET_MS, `shown ${elapsed} ms after the push's answer`);
      return `shown ${elapsed} ms after the answer`;
    });

    await check('the banner lists the unmapped tipificación', async () => {
      await page.waitForFunction(
        (name) => [...document.querySelectorAll('#sin-homologar li[data-tipificacion]')].some((li) => li.dataset.tipificacion === name),
        unmapped,
        { timeout: 10_000 },
      );
      assert(await page.isVisible('#sin-homologar'), 'the banner is hidden');
    });

    await check('the leaderboard re-sorts by a clicked column', async () => {
      await page.click('#ranking thead button[data-key="ejecutivo"]');
      const names = await page.$$eval('#ranking tbody tr[data-ejecutivo]', (rows) => rows.map((r) => r.dataset.ejecutivo));
      const sorted = [...names].sort((a, b) => a.localeCompare(b, 'es', { numeric: true, sensitivity: 'base' }));
      assert(JSON.stringify(names) === JSON.stringify(sorted), 'rows are not in ejecutivo order');
      assert((await page.getAttribute('#ranking thead th:has(button[data-key="ejecutivo"])', 'aria-sort')) === 'ascending', 'aria-sort not set');
      await page.click('#ranking thead button[data-key="total_gestiones"]');
    });

    await check('downloads the leaderboard as CSV and as Arrow', async () => {
      const [csvDownload] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click('#descargar-csv')]);
      const csvText = await readFile(await csvDownload.path(), 'utf8');
      assert(csvText.startsWith('ejecutivo,total_gestiones,contactos,tasa_contactabilidad,compromisos,pdps_por_hora,saldo_total,deudores_unicos'), `CSV starts '${csvText.slice(0, 60)}'`);
      assert(csvText.includes(`${ejecutivo},4,2,50.0000,1,,600.75,4`), 'the CSV lacks the pushed ejecutivo');
      const [arrowDownload] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click('#descargar-arrow')]);
      const arrow = await readFile(await arrowDownload.path());
      // An Arrow IPC stream opens with the continuation marker 0xFFFFFFFF.
      assert(arrow.length > 8 && arrow.readUInt32LE(0) === 0xffffffff, 'the Arrow file is not an IPC stream');
      return `${csvDownload.suggestedFilename()}, ${arrowDownload.suggestedFilename()} (${arrow.length} bytes)`;
    });

    await check('no console errors while the hub is up', async () => {
      await page.screenshot({ path: path.join(results, 'dashboard.png'), fullPage: true });
      assert(errors.length === 0, errors.map((e) => `${e.text} ${e.at}`).join(' | '));
      return `screenshot ${path.relative(root, path.join(results, 'dashboard.png'))}`;
    });

    await check('says "sin conexión" and keeps retrying when the server goes away, without script errors', async () => {
      const before = errors.length;
      silo.kill('SIGKILL');
      await silo.exited;
      await page.waitForFunction(() => document.getElementById('estado').dataset.estado === 'offline', null, { timeout: 30_000 });
      const label = await page.textContent('#estado');
      assert(/sin conexión/i.test(label), `the state reads '${label}'`);
      // The browser itself logs each request the dead server broke or refused (net::ERR_CONNECTION_RESET,
      // net::ERR_CONNECTION_REFUSED); anything else is the page's.
      const own = errors.slice(before).filter((e) => !/^(Failed to load resource|WebSocket connection to .*failed).*net::ERR_CONNECTION_(REFUSED|RESET|CLOSED)/.test(e.text));
      assert(own.length === 0, own.map((e) => e.text).join(' | '));
      return `'${label.trim()}'`;
    });
  } catch (error) {
    report('browser session', false, error.message.split('\n')[0]);
  } finally {
    await context?.close().catch(() => {});
    if (silo.exitCode === null) {
      silo.kill('SIGKILL');
    }
    await rm(profile, { recursive: true, force: true });
  }
  console.log(`browser: run took ${Math.round(performance.now() - started)} ms`);
}

try {
  await main();
} catch (error) {
  report('setup', false, error.message.split('\n')[0]);
}
const passed = outcomes.filter(Boolean).length;
console.log(`browser: page: ${passed} passed, ${outcomes.length - passed} failed`);
process.exitCode = outcomes.length - passed === 0 && passed > 0 ? 0 : 1;
