import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { HARD_DEADLINE_EXTRA_MS } from '../../src/daemon/exit.js';
import { type Manifest, parseManifest } from '../../src/manifest/load.js';

// Keeps deploy/kubernetes, the Dockerfile and config/docker.yaml in step with
// each other and with the daemon: the ports, paths, probes and time bounds
// that only fail once a pod runs. The container itself is tested for real by
// test/container/container.sh.

const root = fileURLToPath(new URL('../..', import.meta.url));
const k8sDir = path.join(root, 'deploy/kubernetes');
const run = promisify(execFile);


// ---- the Kubernetes objects ----

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; runAsUser?: number; runAsNonRoot?: boolean };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  emptyDir?: Record<string, unknown>;
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: Volume[];
}
interface Deployment extends K8sObject {
  spec: { replicas?: number; strategy?: { type?: string }; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}
interface Service extends K8sObject {
  spec: { selector: Record<string, string>; ports: { name?: string; port: number; targetPort?: number | string }[] };
}
interface ConfigMap extends K8sObject {
  data: Record<string, string>;
}

function loadObjects(): { file: string; object: K8sObject }[] {
  const objects: { file: string; object: K8sObject }[] = [];
  for (const file of readdirSync(k8sDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of parseAllDocuments(readFileSync(path.join(k8sDir, file), 'utf8'))) {
      expect(doc.errors, `${file}: YAML errors`).toEqual([]);
      const object = doc.toJS() as K8sObject | null;
      if (object !== null) objects.push({ file, object });
    }
  }
  return objects;
}

const objects = loadObjects();
function only<T extends K8sObject>(kind: string): T {
  const found = objects.filter((o) => o.object.kind === kind);
  expect(found.map((o) => o.file), `exactly one ${kind} in deploy/kubernetes`).toHaveLength(1);
  return found[0]!.object as T;
}
const deployment = only<Deployment>('Deployment');
const service = only<Service>('Service');
const configMap = only<ConfigMap>('ConfigMap');
const pod = deployment.spec.template.spec;
const container = pod.containers[0]!;

// ---- the Dockerfile's final stage ----

interface Instruction {
  op: string;
  args: string;
}

/** Instructions of the Dockerfile's last stage, continuation lines joined and comments dropped. */
function finalStage(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (whole === '') continue;
    const [op = '', ...rest] = whole.split(/\s+/);
    instructions.push({ op: op.toUpperCase(), args: rest.join(' ') });
  }
  const lastFrom = instructions.map((i) => i.op).lastIndexOf('FROM');
  return instructions.slice(lastFrom);
}

const dockerfile = finalStage(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
function last(op: string): string | undefined {
  return dockerfile.filter((i) => i.op === op).at(-1)?.args;
}
function jsonForm(op: string): string[] {
  const args = last(op);
  expect(args, `the Dockerfile's final stage has ${op}`).toBeDefined();
  // The exec (JSON) form: no shell between the runtime and the process, so signals reach it.
  return JSON.parse(args!) as string[];
}

// ---- helpers ----

/** The container port a probe or Service targets, by number or by name. */
function containerPort(port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** The volume mounted at the deepest mountPath that contains `file`, and the path inside it. */
function mountOf(file: string): { volume: Volume; inside: string; readOnly: boolean } | undefined {
  const mounts = (container.volumeMounts ?? [])
    .filter((m) => file.startsWith(`${m.mountPath.replace(/\/$/, '')}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length);
  const mount = mounts[0];
  if (mount === undefined) return undefined;
  const volume = pod.volumes?.find((v) => v.name === mount.name);
  if (volume === undefined) return undefined;
  return { volume, inside: path.posix.relative(mount.mountPath, file), readOnly: mount.readOnly === true };
}

/** The files a configMap volume shows: every key, or only its items under their paths. */
function configMapFiles(volume: Volume): Map<string, string> {
  const files = new Map<string, string>();
  if (volume.configMap?.name !== configMap.metadata.name) return files;
  const items = volume.configMap.items ?? Object.keys(configMap.data).map((key) => ({ key, path: key }));
  for (const item of items) {
    const text = configMap.data[item.key];
    if (text !== undefined) files.set(item.path, text);
  }
  return files;
}

/** The manifest the container starts on: its args replace the image's CMD. */
const manifestPath = container.args?.[0] ?? jsonForm('CMD')[0]!;

// The pod's filesystem as far as the manifest sees it, rebuilt in a temp dir:
// the image's /app/loops and /app/config, then the ConfigMap mounts on top.
let podRoot: string;
let manifest: Manifest;

beforeAll(async () => {
  podRoot = await mkdtemp(path.join(os.tmpdir(), 'superloops-k8s-'));
  await cp(path.join(root, 'loops'), path.join(podRoot, 'app/loops'), { recursive: true });
  await cp(path.join(root, 'config'), path.join(podRoot, 'app/config'), { recursive: true });
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (volume?.configMap === undefined) continue;
    const dir = path.join(podRoot, mount.mountPath);
    await rm(dir, { recursive: true, force: true }); // a mount hides what the image has there
    await mkdir(dir, { recursive: true });
    for (const [file, text] of configMapFiles(volume)) await writeFile(path.join(dir, file), text);
  }
  const file = path.join(podRoot, manifestPath);
  expect(existsSync(file), `${manifestPath} (the container's manifest) is in a ConfigMap mount or the image`).toBe(true);
  manifest = parseManifest(readFileSync(file, 'utf8'), file, {});
});

afterAll(async () => {
  await rm(podRoot, { recursive: true, force: true });
});

describe('deploy/kubernetes', () => {
  it('kustomization.yaml lists every manifest in the directory, and only existing ones', () => {
    const kustomization = parse(readFileSync(path.join(k8sDir, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    const files = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it("starts the container on a manifest that a ConfigMap mount provides, and that the daemon accepts", () => {
    const mount = mountOf(manifestPath);
    expect(mount?.volume.configMap?.name, `${manifestPath} is inside a volume of ConfigMap ${configMap.metadata.name}`).toBe(configMap.metadata.name);
    expect(configMapFiles(mount!.volume).has(mount!.inside), `the ConfigMap has ${mount!.inside}`).toBe(true);
    expect(mount!.readOnly).toBe(true);
    // parseManifest (in beforeAll) also checked that every loop module exists beside it.
    expect(manifest.loops.length).toBeGreaterThan(0);
  });

  it('every loop module of the ConfigMap compiles and exports a SuperLoop (superloopsd validate)', async () => {
    const bin = path.join(root, 'bin/superloopsd.js');
    expect(existsSync(path.join(root, 'dist/superloopsd.js')), 'dist/ is built (npm run build)').toBe(true);
    const { stdout } = await run(process.execPath, [bin, 'validate', manifest.file], { env: { ...process.env, API_KEY: 'unused' } });
    expect(stdout).toContain(`ok, ${manifest.loops.length} loop(s)`);
  });

  it('probes /healthz (liveness) and /readyz (readiness) on the port the manifest serves HTTP on, on every interface', () => {
    const http = manifest.controller.http;
    expect(http, 'the ConfigMap manifest has controller.http').toBeDefined();
    // 127.0.0.1 would answer only inside the pod: the kubelet probes the pod IP.
    expect(['0.0.0.0', '::']).toContain(http!.host);
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container.startupProbe?.httpGet?.path).toBe('/healthz');
    expect(containerPort(container.livenessProbe?.httpGet?.port)).toBe(http!.port);
    expect(containerPort(container.readinessProbe?.httpGet?.port)).toBe(http!.port);
    expect(containerPort(container.startupProbe?.httpGet?.port)).toBe(http!.port);
  });

  it('gives the daemon more than shutdown_timeout (and its own forced exit) before SIGKILL', () => {
    const { shutdownTimeoutMs } = manifest.controller;
    expect(pod.terminationGracePeriodSeconds).toBeDefined();
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(shutdownTimeoutMs + HARD_DEADLINE_EXTRA_MS);
    // Loops stop in parallel: each grace period must fit in the shutdown timeout.
    for (const loop of manifest.loops) expect(loop.gracePeriodMs, loop.name).toBeLessThanOrEqual(shutdownTimeoutMs);
  });

  it('runs non-root on a read-only root, with writable /tmp and socket directory', () => {
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
    // TypeScript loops are compiled under os.tmpdir(); the socket is created in its directory.
    // The socket the daemon really uses: SUPERLOOPS_SOCKET (the pod's, else the image's) over the manifest's.
    const imageSocket = dockerfile
      .filter((i) => i.op === 'ENV')
      .map((i) => /\bSUPERLOOPS_SOCKET=(\S+)/.exec(i.args)?.[1])
      .findLast((v) => v !== undefined);
    const socket = container.env?.find((e) => e.name === 'SUPERLOOPS_SOCKET')?.value ?? imageSocket ?? manifest.controller.socket;
    for (const dir of ['/tmp', path.posix.dirname(socket)]) {
      expect(mountOf(`${dir}/x`)?.volume.emptyDir, `${dir} is an emptyDir mount`).toBeDefined();
    }
  });

  it('the Service exposes the metrics port with the Prometheus scrape annotations', () => {
    const port = manifest.controller.http!.port;
    expect(service.spec.ports.map((p) => containerPort(p.targetPort ?? p.port))).toContain(port);
    expect(service.spec.ports.map((p) => p.port)).toContain(port);
    expect(service.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(port),
      'prometheus.io/path': '/metrics',
    });
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });

  it('keeps a single replica from overlapping with its successor', () => {
    // Two daemons would run every loop twice; docs/kubernetes.md says when that is fine.
    if ((deployment.spec.replicas ?? 1) === 1) expect(deployment.spec.strategy?.type).toBe('Recreate');
  });
});

describe('Dockerfile', () => {
  it('runs the daemon under tini as PID 1, in the exec form', () => {
    const entrypoint = jsonForm('ENTRYPOINT');
    expect(entrypoint.slice(0, 2)).toEqual(['/usr/bin/tini', '--']);
    expect(entrypoint.slice(2)).toEqual(['node', '/app/bin/superloopsd.js', 'start']);
  });

  it('stops with SIGTERM, the signal the daemon shuts down gracefully on', () => {
    expect(last('STOPSIGNAL')).toBe('SIGTERM');
  });

  it('runs as a non-root user', () => {
    const user = last('USER');
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
  });

  it('checks health with the daemon itself: superloops ctl status', () => {
    expect(last('HEALTHCHECK')).toMatch(/CMD \[\s*"node",\s*"\/app\/bin\/superloops\.js",\s*"ctl",\s*"status"/);
  });

  it("defaults to config/docker.yaml, whose HTTP port is exposed and whose socket directory the image makes", () => {
    const cmd = jsonForm('CMD');
    expect(cmd).toEqual(['/app/config/docker.yaml']);
    // COPY config ./config under WORKDIR /app, and loops/ beside it as in the repository.
    const file = path.join(root, 'config/docker.yaml');
    const image = parseManifest(readFileSync(file, 'utf8'), file, {});
    expect(image.controller.http).toMatchObject({ host: '0.0.0.0' });
    expect(last('EXPOSE')?.split(/\s+/)).toContain(String(image.controller.http!.port));
    expect(image.controller.socket).toBe('/run/superloops/superloops.sock');
    expect(dockerfile.some((i) => i.op === 'RUN' && i.args.includes('mkdir -p /run/superloops'))).toBe(true);
    expect(dockerfile.some((i) => i.op === 'ENV' && i.args.includes('SUPERLOOPS_SOCKET=/run/superloops/superloops.sock'))).toBe(true);
  });

  it('takes its base from a build argument defaulting to the official Node 20 image', () => {
    const text = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(text).toMatch(/^ARG BASE=node:20-bookworm-slim$/m);
    const froms = text.split('\n').filter((l) => /^FROM\s/i.test(l));
    for (const from of froms) expect(from).toMatch(/^FROM \$\{BASE\}/);
  });
});
