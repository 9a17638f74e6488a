/**
 * Converging N devices over loopback SSH: the device test harness (test/device/harness.ts: one
 * real sshd per device, each in its own mount namespace, stand-ins for apt-get, iotedge, ...)
 * runs the exact command strings and stdin payloads of components/device/steps.ts, as the
 * EdgeDevice component hands them to remote.Command.
 *
 * Per device the three steps run in order (install → files → apply: the component's dependsOn);
 * devices run concurrently, at most `parallel` steps at a time, as the Pulumi engine schedules
 * independent resources (`pulumi up --parallel`, unbounded by default).
 *
 * Needs root and `unshare --mount` (the harness's own requirements).
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";

import * as steps from "../components/device/steps";
import { deviceFileRoles, renderConfigToml, usesTrustBundle } from "../components/device/render";
import { DeviceFileRole } from "../components/device/layout";
import { ResolvedDevice } from "../components/fleet/resolve";
import { checkFleet } from "../components/fleet/validate";
import { OS_RELEASE, RunResult, runSsh, SshDevice } from "../test/device/harness";
import { syntheticFleet } from "./stack-gen";

export const STEP_NAMES = ["install", "files", "apply"] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface DeviceSteps {
    deviceId: string;
    steps: Record<StepName, steps.StepCommand>;
}

/** Whether this machine can run the harness (root, unshare, sshd). */
export function sshBenchAvailable(): string | undefined {
    if (process.getuid?.() !== 0) return "not root";
    for (const bin of ["/usr/sbin/sshd", "/usr/bin/unshare", "/usr/bin/ssh"]) {
        try {
            fs.accessSync(bin);
        } catch {
            return `${bin} missing`;
        }
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// Inputs: the steps of N dev-like devices (symmetric-key group enrollment, Edge CA from our PKI).

function pem(label: string, derBytes: number): string {
    const b64 = crypto.randomBytes(derBytes).toString("base64");
    return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END ${label}-----\n`;
}

/** An ECDSA P-256 certificate is ~500 bytes of DER (~730 bytes of PEM). */
export const cert = (): string => pem("CERTIFICATE", 500);

/**
 * File contents of realistic size: real P-256 keys (PKCS#8 PEM), certificates of the size of
 * P-256 ones, chains as the PKI builds them (Edge CA, devices CA, root), a 32-byte group-derived
 * symmetric key. The stand-ins do not parse them: only the bytes and their hashes matter.
 */
function contentFor(role: DeviceFileRole, root: string): steps.DeviceFileContent {
    const key = () =>
        crypto
            .generateKeyPairSync("ec", { namedCurve: "P-256" })
            .privateKey.export({ type: "pkcs8", format: "pem" })
            .toString();
    switch (role) {
        case "trust-bundle":
            return { role, content: root };
        case "edge-ca-cert":
        case "identity-cert":
        case "est-bootstrap-cert":
            return { role, content: cert() + cert() + root };
        case "edge-ca-key":
        case "identity-key":
        case "est-bootstrap-key":
            return { role, content: key() };
        case "symmetric-key":
            return { role, content: crypto.randomBytes(32).toString("base64"), encoding: "base64" };
        case "est-trusted-certs":
            return { role, content: root };
        default: {
            const exhaustive: never = role;
            throw new Error(`unknown role ${String(exhaustive)}`);
        }
    }
}

/** The resolved devices of a synthetic dev-like fleet (bench/stack-gen.ts, `symmetric`). */
export function benchDevices(n: number): ResolvedDevice[] {
    const check = checkFleet(syntheticFleet(n, "symmetric"));
    if (!check.ok) throw new Error(JSON.stringify(check.problems));
    return check.fleet.devices;
}

/** The three step commands of one device, from the pure builders. */
export function deviceSteps(device: ResolvedDevice, root: string): DeviceSteps {
    const target: steps.ShellTarget = { sudo: false }; // the harness logs in as root
    const files = deviceFileRoles(device).map((r) => contentFor(r, root));
    const trustCa = device.osTrustStore && usesTrustBundle(device) ? root : undefined;
    const configToml = renderConfigToml(device, { idScope: "0ne00BENCH0" });
    return {
        deviceId: device.deviceId,
        steps: {
            install: steps.installStep({ versions: device.versions }, target),
            files: steps.filesStep(files, trustCa, target),
            apply: steps.applyStep(
                {
                    configToml,
                    healthTimeoutSeconds: 10,
                    check: "configuration",
                    aziotEdgeVersion: device.versions.aziotEdge,
                },
                target,
            ),
        },
    };
}

/** Bytes the steps hand to SSH: command strings and stdin payloads. */
export function payloadBytes(s: DeviceSteps): Record<StepName, { command: number; stdin: number }> {
    const out = {} as Record<StepName, { command: number; stdin: number }>;
    for (const name of STEP_NAMES) {
        out[name] = {
            command: Buffer.byteLength(s.steps[name].command),
            stdin: Buffer.byteLength(s.steps[name].stdin ?? ""),
        };
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Running.

/** At most `n` tasks at once (n = Infinity: unbounded). */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
    let active = 0;
    const waiting: Array<() => void> = [];
    return async <T>(task: () => Promise<T>): Promise<T> => {
        if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
        active++;
        try {
            return await task();
        } finally {
            active--;
            waiting.shift()?.();
        }
    };
}

export interface StepTiming {
    step: StepName;
    ms: number;
    result: string;
}

export interface ConvergeRun {
    wallMs: number;
    /** CPU time of the ssh client processes (the controller's share), ms. */
    clientCpuMs: number;
    /** Per device, per step. */
    timings: StepTiming[][];
    /** SSH sessions the device's sshd accepted during the run, per device. */
    sessions: number[];
    /** Devices on which `iotedge config apply` ran during this run. */
    applied: number;
}

type Runner = (dev: SshDevice, command: string, stdin?: string) => Promise<RunResult>;

const harnessRunner: Runner = (dev, command, stdin) => dev.run(command, stdin);

let clockTicks: number | undefined;

/** User + system CPU time of this process's reaped children (/proc/self/stat), ms. */
function childrenCpuMs(): number {
    clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    // Fields after the command name: state is field 3; cutime and cstime are fields 16 and 17.
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks;
}

function acceptedSessions(dev: SshDevice): number {
    return (dev.sshdLog().match(/^Accepted publickey for /gm) ?? []).length;
}

function configApplied(dev: SshDevice): boolean {
    return dev
        .calls()
        .some((c) => c.name === "iotedge" && c.argv[0] === "config" && c.argv[1] === "apply");
}

/** One converge of every device (each device's steps in order, devices concurrently). */
export async function converge(
    devices: SshDevice[],
    inputs: DeviceSteps[],
    parallel: number,
    run: Runner = harnessRunner,
): Promise<ConvergeRun> {
    const before = devices.map(acceptedSessions);
    devices.forEach((d) => d.clearCalls());
    const limit = limiter(parallel);
    const cpu0 = childrenCpuMs();
    const start = process.hrtime.bigint();
    const timings = await Promise.all(
        devices.map(async (dev, i) => {
            const out: StepTiming[] = [];
            for (const name of STEP_NAMES) {
                const step = inputs[i].steps[name];
                const t0 = process.hrtime.bigint();
                const res = await limit(() => run(dev, step.command, step.stdin));
                const ms = Number(process.hrtime.bigint() - t0) / 1e6;
                if (res.code !== 0) {
                    throw new Error(
                        `${inputs[i].deviceId} ${name} failed (${res.code}):\n${res.stdout}\n${res.stderr}`,
                    );
                }
                const result = /result: (\w+)/.exec(res.stdout)?.[1] ?? "?";
                out.push({ step: name, ms, result });
            }
            return out;
        }),
    );
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    const clientCpuMs = childrenCpuMs() - cpu0;
    // sshd logs the acceptance asynchronously to the client's exit; give it a moment.
    await new Promise((r) => setTimeout(r, 100));
    return {
        wallMs,
        clientCpuMs,
        timings,
        sessions: devices.map((d, i) => acceptedSessions(d) - before[i]),
        applied: devices.filter(configApplied).length,
    };
}

export interface ConvergeCase {
    devices: number;
    parallel: number;
    first: ConvergeRun;
    second: ConvergeRun;
}

async function startDevices(n: number): Promise<SshDevice[]> {
    const devs: SshDevice[] = [];
    try {
        // One at a time: the harness probes a free port, then sshd binds it.
        for (let i = 0; i < n; i++)
            devs.push(await SshDevice.start({ osRelease: OS_RELEASE.ubuntu2204 }));
        return devs;
    } catch (e) {
        await Promise.all(devs.map((d) => d.stop()));
        throw e;
    }
}

/** Fresh devices; a first converge (install → files → apply), then the same inputs again. */
export async function benchConverge(n: number, parallel: number): Promise<ConvergeCase> {
    const root = cert();
    const inputs = benchDevices(n).map((d) => deviceSteps(d, root));
    const devices = await startDevices(n);
    try {
        const first = await converge(devices, inputs, parallel);
        const second = await converge(devices, inputs, parallel);
        return { devices: n, parallel, first, second };
    } finally {
        await Promise.all(devices.map((d) => d.stop()));
    }
}

// ---------------------------------------------------------------------------------------------
// Bytes on the wire: one device, every SSH session through a counting TCP relay.

export interface WireBytes {
    /** Client → device and device → client bytes (TCP payload: SSH handshake, auth, data). */
    first: Record<StepName, { up: number; down: number }>;
    second: Record<StepName, { up: number; down: number }>;
}

interface Relay {
    port: number;
    take(): { up: number; down: number };
    close(): Promise<void>;
}

async function relay(target: number): Promise<Relay> {
    let up = 0;
    let down = 0;
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
        const upstream = net.connect(target, "127.0.0.1");
        sockets.add(client).add(upstream);
        client.on("data", (d) => (up += d.length));
        upstream.on("data", (d) => (down += d.length));
        client.pipe(upstream);
        upstream.pipe(client);
        const end = () => {
            client.destroy();
            upstream.destroy();
        };
        client.on("error", end).on("close", end);
        upstream.on("error", end).on("close", end);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        take() {
            const out = { up, down };
            up = 0;
            down = 0;
            return out;
        },
        close: () =>
            new Promise<void>((resolve) => {
                sockets.forEach((s) => s.destroy());
                server.close(() => resolve());
            }),
    };
}

/** The harness's ssh argv (SshDevice.sshArgv), pointed at another port. */
function viaPort(port: number): Runner {
    return (dev, command, stdin) => {
        const argv = dev.sshArgv(command);
        argv[argv.indexOf("-p") + 1] = String(port);
        return runSsh(argv, stdin);
    };
}

export async function benchWire(): Promise<WireBytes> {
    const root = cert();
    const input = deviceSteps(benchDevices(1)[0], root);
    const [dev] = await startDevices(1);
    const r = await relay(dev.port);
    try {
        const measure = async () => {
            const out = {} as Record<StepName, { up: number; down: number }>;
            const via = viaPort(r.port);
            for (const name of STEP_NAMES) {
                const step = input.steps[name];
                const res = await via(dev, step.command, step.stdin);
                if (res.code !== 0) throw new Error(`${name} failed: ${res.stderr}`);
                // Let the relay see the last bytes of the closed connection.
                await new Promise((x) => setTimeout(x, 50));
                out[name] = r.take();
            }
            return out;
        };
        const first = await measure();
        const second = await measure();
        return { first, second };
    } finally {
        await r.close();
        await dev.stop();
    }
}
