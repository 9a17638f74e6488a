/**
 * Pure builders for the device steps: from plain values to the exact command string and stdin
 * payload that `remote.Command` sends over SSH. No Pulumi import: the component wires Outputs
 * into these functions, and test/device/scripts.test.ts runs the very same strings over real
 * SSH against an isolated device root.
 *
 * Rules (../shared/STYLE.md "Secrets"): key material travels only on stdin; command strings
 * carry non-secret parameters as shell-quoted `NAME=value` assignments (not remote.Command's
 * `environment`, which needs `AcceptEnv` in sshd_config); scripts never print what they read.
 */

import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

import { CERTS_DIR, DEVICE_DIRS, DEVICE_FILES, DeviceFileRole, SECRETS_DIR } from "./layout";

// ---------------------------------------------------------------------------------------------
// Scripts, read once at module load.

function loadScript(name: string): string {
    return fs.readFileSync(path.join(__dirname, "scripts", name), "utf8");
}

/** The step scripts (components/device/scripts). Exported for tests and documentation. */
export const SCRIPTS = {
    prelude: loadScript("prelude.sh"),
    install: loadScript("install.sh"),
    files: loadScript("files.sh"),
    apply: loadScript("apply.sh"),
    teardown: loadScript("teardown.sh"),
    eflowPrelude: loadScript("eflow-prelude.ps1"),
    eflowInstall: loadScript("eflow-install.ps1"),
    eflowFiles: loadScript("eflow-files.ps1"),
    eflowProvision: loadScript("eflow-provision.ps1"),
    eflowTeardown: loadScript("eflow-teardown.ps1"),
} as const;

// ---------------------------------------------------------------------------------------------
// Shared types.

/** A command for `remote.Command`: the command string and, when the step needs one, stdin. */
export interface StepCommand {
    command: string;
    /** Payload for the command's stdin. May carry secrets: the component wraps it secret. */
    stdin?: string;
}

/** How the scripts reach root on the device. */
export interface ShellTarget {
    /**
     * Prefix the command with `sudo -n` (the SSH user is not root and has passwordless sudo).
     * `sudo -n` fails instead of prompting, so a misconfigured host fails fast.
     */
    sudo: boolean;
}

/** `sudo` is needed unless the SSH user is root. */
export function shellTargetFor(user: string): ShellTarget {
    return { sudo: user !== "root" };
}

/** A file to place on the device, with its role from layout.ts. */
export interface DeviceFileContent {
    role: DeviceFileRole;
    content: string;
    /** How `content` is encoded; PEM files are utf8, raw key bytes base64. Default utf8. */
    encoding?: "utf8" | "base64";
}

/**
 * How much of `iotedge check` must pass (apply step).
 * - `none`: do not run it.
 * - `configuration` (default): fail only on errors in the "Configuration checks" sections;
 *   connectivity checks need the internet and the IoT hub, which a sandbox, a lab or a device
 *   behind a proxy being set up may not have. Warnings never fail.
 * - `all`: fail on any error (non-zero exit), including connectivity.
 */
export type CheckMode = "none" | "configuration" | "all";

// ---------------------------------------------------------------------------------------------
// Quoting and validation.

/** POSIX single-quote a string for sh: safe for any content, including newlines. */
export function shQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** PowerShell single-quoted string literal. */
export function psQuote(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

const PARAM_NAME = /^[A-Z][A-Z0-9_]*$/;
/** Debian version strings (deb-version(7)): digits, letters and . + ~ : - */
const DEB_VERSION = /^[0-9][A-Za-z0-9.+~:-]*$/;
/** Absolute POSIX path with a conservative character set (it is also checked on the device). */
const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;

/** Throws when a Debian package version is not one `apt-get install pkg=<v>` accepts. */
export function assertDebVersion(field: string, version: string): void {
    if (!DEB_VERSION.test(version)) {
        throw new Error(`${field}: "${version}" is not a Debian package version (e.g. 1.5.21-1)`);
    }
}

/** `1.5.21` for `1.5.21-1`: the aziot-edged binary version `iotedge check` compares against. */
export function upstreamVersion(debVersion: string): string {
    const noEpoch = debVersion.replace(/^[0-9]+:/, "");
    const dash = noEpoch.lastIndexOf("-");
    return dash > 0 ? noEpoch.slice(0, dash) : noEpoch;
}

/** A device ID made safe for a file name: other characters become `_`, plus a short hash. */
export function safeName(deviceId: string): string {
    const cleaned = deviceId.replace(/[^A-Za-z0-9._-]/g, "_");
    if (cleaned === deviceId && !deviceId.startsWith(".")) {
        return deviceId;
    }
    return `${cleaned.replace(/^\./, "_")}-${sha256Hex(deviceId).slice(0, 8)}`;
}

function sha256Hex(data: string | Buffer): string {
    return crypto.createHash("sha256").update(data).digest("hex");
}

/**
 * Wrap a step script into one command string:
 * `[sudo -n ]env NAME='value' ... sh -c '<prelude + script>' iotedge-fleet-<step>`.
 * `env` (not `NAME=value sudo ...`) because sudo resets the environment.
 */
export function linuxCommand(
    step: string,
    script: string,
    params: Record<string, string>,
    target: ShellTarget,
): string {
    const assignments = Object.entries({ STEP: step, ...params }).map(([name, value]) => {
        if (!PARAM_NAME.test(name)) {
            throw new Error(`invalid parameter name ${name}`);
        }
        return `${name}=${shQuote(value)}`;
    });
    const body = `${SCRIPTS.prelude}\n${script}`;
    return [
        ...(target.sudo ? ["sudo", "-n"] : []),
        "env",
        ...assignments,
        "sh",
        "-c",
        shQuote(body),
        `iotedge-fleet-${step}`,
    ].join(" ");
}

// ---------------------------------------------------------------------------------------------
// Step 1: install.

/** Parameters of the install step. */
export interface InstallParams {
    /** Pinned apt versions (seed 000, "Offline or specific version installation"). */
    versions: { aziotEdge: string; aziotIdentityService?: string; moby?: string };
    /**
     * .deb files already copied to the device (by CopyToRemote): remote paths and the sha256 of
     * the local files, checked on the device before installing as root.
     */
    offline?: {
        aziotEdgeDeb: { remotePath: string; sha256: string };
        aziotIdentityServiceDeb: { remotePath: string; sha256: string };
    };
}

function validateInstall(p: InstallParams): void {
    assertDebVersion("versions.aziotEdge", p.versions.aziotEdge);
    if (p.versions.aziotIdentityService !== undefined) {
        assertDebVersion("versions.aziotIdentityService", p.versions.aziotIdentityService);
    }
    if (p.versions.moby !== undefined) {
        assertDebVersion("versions.moby", p.versions.moby);
    }
    if (p.offline) {
        for (const [field, deb] of Object.entries(p.offline)) {
            if (!SAFE_PATH.test(deb.remotePath)) {
                throw new Error(`offlinePackages.${field}: unsafe remote path ${deb.remotePath}`);
            }
            if (!/^[0-9a-f]{64}$/.test(deb.sha256)) {
                throw new Error(`offlinePackages.${field}: sha256 must be 64 lowercase hex digits`);
            }
        }
    }
}

/** The install step's command (no stdin). */
export function installStep(p: InstallParams, target: ShellTarget): StepCommand {
    validateInstall(p);
    return {
        command: linuxCommand(
            "install",
            SCRIPTS.install,
            {
                EDGE_VERSION: p.versions.aziotEdge,
                IDENTITY_VERSION: p.versions.aziotIdentityService ?? "",
                MOBY_VERSION: p.versions.moby ?? "",
                OFFLINE_EDGE_DEB: p.offline?.aziotEdgeDeb.remotePath ?? "",
                OFFLINE_EDGE_SHA256: p.offline?.aziotEdgeDeb.sha256 ?? "",
                OFFLINE_IDENTITY_DEB: p.offline?.aziotIdentityServiceDeb.remotePath ?? "",
                OFFLINE_IDENTITY_SHA256: p.offline?.aziotIdentityServiceDeb.sha256 ?? "",
            },
            target,
        ),
    };
}

/** Where CopyToRemote puts an offline package: /var/tmp exists on every supported OS. */
export function offlineRemotePath(deviceId: string, pkg: "aziot-edge" | "aziot-identity-service") {
    return `/var/tmp/iotedge-fleet-${safeName(deviceId)}-${pkg}.deb`;
}

// ---------------------------------------------------------------------------------------------
// Step 2: files.

/** Where the root CA goes for the OS trust store (seed 003: update-ca-certificates reads .crt). */
export const TRUST_STORE_PATH = "/usr/local/share/ca-certificates/iotedge-fleet-root-ca.crt";

/** Roles whose change invalidates what IoT Edge generated (seed 003/004): flag `c`. */
const CLEARING_ROLES: ReadonlySet<DeviceFileRole> = new Set<DeviceFileRole>([
    "identity-cert",
    "identity-key",
    "edge-ca-cert",
    "edge-ca-key",
]);

function contentBytes(file: { content: string; encoding?: "utf8" | "base64" }): Buffer {
    return Buffer.from(file.content, file.encoding ?? "utf8");
}

/** Every problem with a file list, with the path of the offending field. */
export function validateFiles(files: ReadonlyArray<{ role: string }>, field = "files"): string[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    files.forEach((f, i) => {
        if (!(f.role in DEVICE_FILES)) {
            problems.push(`${field}[${i}].role: unknown role "${f.role}"`);
        } else if (seen.has(f.role)) {
            problems.push(`${field}[${i}].role: "${f.role}" given twice`);
        }
        seen.add(f.role);
    });
    return problems;
}

/**
 * The files step's stdin: the line format files.sh reads.
 * `d` lines for the two directories (seed 003: certs 755 aziotcs, secrets 700 aziotks), one
 * `f` line per file with owner/group/mode from layout.ts and base64 content, an `r` line for
 * every other layout path (a role dropped from the inputs is removed from the device), `end`.
 */
export function encodeFilesManifest(
    files: ReadonlyArray<DeviceFileContent>,
    trustStoreCa?: string,
): string {
    const problems = validateFiles(files);
    if (problems.length > 0) {
        throw new Error(problems.join("\n"));
    }
    const lines = ["iotedge-fleet-files 1", "d /var/aziot root root 0755"];
    for (const dir of DEVICE_DIRS) {
        lines.push(`d ${dir.path} ${dir.owner} ${dir.group} ${dir.mode}`);
    }
    const byRole = new Map(files.map((f) => [f.role, f]));
    for (const spec of Object.values(DEVICE_FILES)) {
        const flags = CLEARING_ROLES.has(spec.role) ? "c" : "-";
        const file = byRole.get(spec.role);
        if (file) {
            const b64 = contentBytes(file).toString("base64");
            lines.push(`f ${spec.path} ${spec.owner} ${spec.group} ${spec.mode} ${flags} ${b64}`);
        } else {
            lines.push(`r ${spec.path} ${flags}`);
        }
    }
    if (trustStoreCa !== undefined) {
        const b64 = Buffer.from(trustStoreCa, "utf8").toString("base64");
        lines.push(`f ${TRUST_STORE_PATH} root root 0644 t ${b64}`);
    } else {
        lines.push(`r ${TRUST_STORE_PATH} t`);
    }
    lines.push("end");
    return lines.join("\n") + "\n";
}

/** The files step: fixed command, everything (including keys) on stdin. */
export function filesStep(
    files: ReadonlyArray<DeviceFileContent>,
    trustStoreCa: string | undefined,
    target: ShellTarget,
): StepCommand {
    return {
        command: linuxCommand("files", SCRIPTS.files, {}, target),
        stdin: encodeFilesManifest(files, trustStoreCa),
    };
}

// ---------------------------------------------------------------------------------------------
// Step 3: apply.

/** Parameters of the apply step. */
export interface ApplyParams {
    /** Rendered config.toml (no secrets: keys are file:// URIs, STYLE.md "Secrets"). */
    configToml: string;
    /** Bound on waiting for `iotedge system status` to be healthy. */
    healthTimeoutSeconds: number;
    check: CheckMode;
    /** aziot-edge apt version; its upstream part is passed to `iotedge check`. */
    aziotEdgeVersion?: string;
}

/** The apply step: config.toml on stdin, parameters inline. */
export function applyStep(p: ApplyParams, target: ShellTarget): StepCommand {
    if (!Number.isInteger(p.healthTimeoutSeconds) || p.healthTimeoutSeconds < 0) {
        throw new Error(
            `healthTimeoutSeconds: must be a non-negative integer, got ${p.healthTimeoutSeconds}`,
        );
    }
    if (p.configToml.length === 0) {
        throw new Error("configToml: empty");
    }
    const expected = p.aziotEdgeVersion ? upstreamVersion(p.aziotEdgeVersion) : "";
    return {
        command: linuxCommand(
            "apply",
            SCRIPTS.apply,
            {
                HEALTH_TIMEOUT: String(p.healthTimeoutSeconds),
                CHECK_MODE: p.check,
                EXPECTED_EDGED_VERSION: expected,
            },
            target,
        ),
        stdin: p.configToml,
    };
}

// ---------------------------------------------------------------------------------------------
// Delete (the install step's `delete`).

/** The teardown command: stop IoT Edge, remove what we placed, optionally purge. */
export function teardownCommand(
    p: { purge: boolean; extraPaths?: ReadonlyArray<string> },
    target: ShellTarget,
): string {
    const managed = [...Object.values(DEVICE_FILES).map((f) => f.path), ...(p.extraPaths ?? [])];
    for (const m of managed) {
        if (!SAFE_PATH.test(m)) {
            throw new Error(`unsafe path ${m}`);
        }
    }
    return linuxCommand(
        "teardown",
        SCRIPTS.teardown,
        {
            MANAGED_PATHS: managed.join(" "),
            TRUST_STORE_PATH,
            PURGE: p.purge ? "1" : "0",
        },
        target,
    );
}

// ---------------------------------------------------------------------------------------------
// Triggers (content hashes).

/**
 * A trigger value for one piece of content: `sha256:<hex>` of a domain-separated digest.
 * Deterministic, and safe to show in a preview even for keys: a SHA-256 of high-entropy key
 * material reveals nothing usable about it (the component unwraps its secretness on purpose).
 */
export function contentHash(label: string, content: string | Buffer): string {
    const h = crypto.createHash("sha256");
    h.update(`iotedge-fleet/v1\0${label}\0`);
    h.update(content);
    return `sha256:${h.digest("hex")}`;
}

/** `role=sha256:...` for each file, sorted by role so input order does not matter. */
export function fileTriggers(
    files: ReadonlyArray<DeviceFileContent>,
    trustStoreCa?: string,
): string[] {
    const entries = files.map((f) => `${f.role}=${contentHash(f.role, contentBytes(f))}`);
    if (trustStoreCa !== undefined) {
        entries.push(`trust-store-ca=${contentHash("trust-store-ca", trustStoreCa)}`);
    }
    return entries.sort();
}

/** `config.toml=sha256:...`. */
export function configTrigger(configToml: string): string {
    return `config.toml=${contentHash("config.toml", configToml)}`;
}

// ---------------------------------------------------------------------------------------------
// EFLOW (IoT Edge for Linux on Windows, seed 001). Windows host over SSH; not runnable here.

/** DPS parameters for Provision-EflowVm (seed 001). */
export interface EflowParams {
    idScope: string;
    registrationId: string;
    provisioningType: "DpsX509" | "DpsSymmetricKey";
}

/** Directory on the Windows host for a device's identity files (ACL: SYSTEM + Administrators). */
export function eflowDir(deviceId: string): string {
    return `C:\\ProgramData\\iotedge-fleet\\${safeName(deviceId)}`;
}

/** File names inside eflowDir, per role (Provision-EflowVm takes paths). */
export const EFLOW_FILE_NAMES: Partial<Record<DeviceFileRole, string>> = {
    "identity-cert": "device-id.pem",
    "identity-key": "device-id.key.pem",
    "symmetric-key": "device-id.key",
};

/**
 * `powershell.exe ... -EncodedCommand <base64 UTF-16LE>`: the same string works whether the
 * Windows OpenSSH server's default shell is cmd.exe or PowerShell, with no quoting pitfalls.
 */
export function powershellCommand(
    step: string,
    script: string,
    params: Record<string, string>,
): string {
    const assignments = Object.entries({ Step: step, ...params }).map(([name, value]) => {
        if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
            throw new Error(`invalid parameter name ${name}`);
        }
        return `$${name} = ${psQuote(value)}`;
    });
    const full = [...assignments, SCRIPTS.eflowPrelude, script].join("\n");
    const encoded = Buffer.from(full, "utf16le").toString("base64");
    return `powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${encoded}`;
}

/** Decode a powershellCommand back to its script (tests, and for reading a plan). */
export function decodePowershellCommand(command: string): string {
    const m = /-EncodedCommand ([A-Za-z0-9+/=]+)$/.exec(command);
    if (!m) {
        throw new Error("not an -EncodedCommand command");
    }
    return Buffer.from(m[1], "base64").toString("utf16le");
}

/** EFLOW install step: verify the EFLOW PowerShell module is present. */
export function eflowInstallStep(deviceId: string): StepCommand {
    return {
        command: powershellCommand("install", SCRIPTS.eflowInstall, { Dir: eflowDir(deviceId) }),
    };
}

/**
 * EFLOW files step: identity files on stdin (`f <name> <base64>`). The symmetric key is written
 * as its base64 text, the form `Provision-EflowVm -symmKey` takes.
 */
export function eflowFilesStep(
    deviceId: string,
    files: ReadonlyArray<DeviceFileContent>,
): StepCommand {
    const lines = ["iotedge-fleet-files 1"];
    for (const f of files) {
        const name = EFLOW_FILE_NAMES[f.role];
        if (!name) {
            throw new Error(`files: role "${f.role}" is not used by EFLOW DPS provisioning`);
        }
        const bytes =
            f.role === "symmetric-key"
                ? Buffer.from(contentBytes(f).toString("base64"), "utf8")
                : contentBytes(f);
        lines.push(`f ${name} ${bytes.toString("base64")}`);
    }
    lines.push("end");
    return {
        command: powershellCommand("files", SCRIPTS.eflowFiles, { Dir: eflowDir(deviceId) }),
        stdin: lines.join("\n") + "\n",
    };
}

/** EFLOW apply step: Provision-EflowVm (the symmetric key is read from its file). */
export function eflowProvisionStep(deviceId: string, p: EflowParams): StepCommand {
    return {
        command: powershellCommand("apply", SCRIPTS.eflowProvision, {
            Dir: eflowDir(deviceId),
            ProvisioningType: p.provisioningType,
            ScopeId: p.idScope,
            RegistrationId: p.registrationId,
        }),
    };
}

/** EFLOW delete: remove the identity files directory. */
export function eflowTeardownCommand(deviceId: string): string {
    return powershellCommand("teardown", SCRIPTS.eflowTeardown, { Dir: eflowDir(deviceId) });
}

/** Roles EFLOW needs per provisioning type (seed 001, and DPS symmetric key per seed 002). */
export function eflowRequiredRoles(type: EflowParams["provisioningType"]): DeviceFileRole[] {
    switch (type) {
        case "DpsX509":
            return ["identity-cert", "identity-key"];
        case "DpsSymmetricKey":
            return ["symmetric-key"];
        default: {
            const _exhaustive: never = type;
            return _exhaustive;
        }
    }
}

/** Paths the Linux steps own (for docs and tests): both directories and every layout file. */
export const MANAGED_DIRS = [CERTS_DIR, SECRETS_DIR] as const;
