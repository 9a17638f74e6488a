/**
 * EdgeDevice: converges one host into a provisioned IoT Edge device over SSH, in three ordered
 * `remote.Command` steps (`${name}-install` → `${name}-files` → `${name}-apply`). The command
 * strings and stdin payloads come from the pure builders in ./steps; this file only wires
 * Outputs into them.
 *
 * Lifecycle notes (pulumi-command 1.x):
 * - `triggers` are replace-on-change. A replaced Command runs its new `create`, then the old
 *   resource's `delete`. So only steps WITHOUT a `delete` carry triggers (files, apply): their
 *   replacement is a plain re-run of an idempotent script.
 * - The teardown is the `delete` of the install step, which has no triggers (its versions sit in
 *   its command string, so a version change is an in-place update, never a replacement). On
 *   removal Pulumi deletes dependents first: apply, files (no-ops), then install, whose delete
 *   stops IoT Edge and removes config and keys.
 * - Every step sets `update` to the same script as `create`: scripts are idempotent and report
 *   "result: changed|unchanged".
 */

import * as crypto from "crypto";
import * as fs from "fs";

import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

import { DEVICE_FILES, DeviceFileRole } from "./layout";
import * as steps from "./steps";

/** Type token of the component (STYLE.md: `iotedge:<module>:<Type>` kept as a constant). */
export const EDGE_DEVICE_TYPE = "iotedge:device:EdgeDevice";

/** The step roles, in order; children are named `${name}-<role>`. */
export const EDGE_DEVICE_STEPS = ["install", "files", "apply"] as const;
export type EdgeDeviceStep = (typeof EDGE_DEVICE_STEPS)[number];

/** Default bound for the health wait (seconds). */
export const DEFAULT_HEALTH_TIMEOUT_SECONDS = 300;

/** SSH endpoint (a bastion host is `jump`, pulumi-command's `connection.proxy`). */
export interface SshEndpoint {
    host: pulumi.Input<string>;
    /** Default 22. */
    port?: pulumi.Input<number>;
    /** `root`, or a user with passwordless sudo: scripts then run under `sudo -n`. */
    user: pulumi.Input<string>;
    /** OpenSSH private key. Secret: wrapped with pulumi.secret() here whatever you pass. */
    privateKey: pulumi.Input<string>;
}

export interface EdgeDeviceConnection extends SshEndpoint {
    /** Jump host between Pulumi and the device. */
    jump?: SshEndpoint;
}

/** A certificate or key to place on the device (path/owner/mode come from layout.ts). */
export interface EdgeDeviceFile {
    role: DeviceFileRole;
    /** Content; key roles must be secret Outputs (they are wrapped secret regardless). */
    content: pulumi.Input<string>;
    /** PEM is utf8 (default); raw key bytes (symmetric keys) are base64. */
    encoding?: "utf8" | "base64";
}

export interface EdgeDeviceArgs {
    /** IoT Hub device ID. Plain: shapes the graph and names children. */
    deviceId: string;
    /** `linux` (default): a Debian-family host. `eflow`: a Windows host running EFLOW (seed 001). */
    kind?: "linux" | "eflow";
    /** SSH connection to the device (or Windows host); the key is secret. */
    connection: EdgeDeviceConnection;
    /**
     * Pinned apt versions, e.g. "1.5.21-1" (seed 000, "Offline or specific version
     * installation": `apt-get install aziot-edge=<v> aziot-identity-service=<v>`). Already
     * installed versions are left alone (dpkg-query).
     */
    versions: { aziotEdge: string; aziotIdentityService?: string; moby?: string };
    /**
     * Local .deb files, copied to the device with CopyToRemote and installed with
     * `apt-get install ./x.deb` (seed 000, offline install). Their sha256 is checked on the
     * device before installing.
     */
    offlinePackages?: { aziotEdgeDeb: string; aziotIdentityServiceDeb: string };
    /**
     * Certificates and keys. Owners/modes per seed 003 ("Permission requirements") via
     * layout.ts; key contents only ever travel on stdin (STYLE.md "Secrets").
     */
    files: EdgeDeviceFile[];
    /** Rendered config.toml; must carry no secret (keys are file:// URIs, STYLE.md). */
    configToml: pulumi.Input<string>;
    /**
     * Root CA PEM for the OS trust store (`update-ca-certificates`), for host-level modules
     * (seed 003, "Manage trusted root CA").
     */
    trustStoreCa?: pulumi.Input<string>;
    /**
     * On removal also `apt-get purge` aziot-edge, aziot-identity-service, moby-engine and
     * moby-cli (seed 000, "Uninstall IoT Edge"). Default false: config and keys are removed,
     * packages stay.
     */
    purgeOnDelete?: boolean;
    /** Bound on waiting for `iotedge system status` to be healthy. Default 300. */
    healthTimeoutSeconds?: number;
    /** Which `iotedge check` failures fail the apply step (steps.ts CheckMode). Default `configuration`. */
    check?: steps.CheckMode;
    /** EFLOW only: DPS parameters for `Provision-EflowVm` (seed 001; symmetric key per seed 002). */
    eflow?: {
        idScope: pulumi.Input<string>;
        registrationId: string;
        provisioningType: "DpsX509" | "DpsSymmetricKey";
    };
}

interface ResolvedArgs {
    deviceId: string;
    kind: "linux" | "eflow";
    connection: EdgeDeviceConnection;
    versions: EdgeDeviceArgs["versions"];
    offline?: { aziotEdgeDeb: LocalDeb; aziotIdentityServiceDeb: LocalDeb };
    files: EdgeDeviceFile[];
    configToml: pulumi.Input<string>;
    trustStoreCa?: pulumi.Input<string>;
    purgeOnDelete: boolean;
    healthTimeoutSeconds: number;
    check: steps.CheckMode;
    eflow?: EdgeDeviceArgs["eflow"];
}

interface LocalDeb {
    localPath: string;
    remotePath: string;
    sha256: string;
}

/**
 * Every problem with the plain parts of the args, each with its field path. Pure: no I/O
 * except checking that offline .deb files exist.
 */
export function validateEdgeDeviceArgs(args: EdgeDeviceArgs, field = "device"): string[] {
    const problems: string[] = [];
    if (!args.deviceId) {
        problems.push(`${field}.deviceId: required`);
    }
    const versions: Array<[string, string | undefined]> = [
        ["versions.aziotEdge", args.versions.aziotEdge],
        ["versions.aziotIdentityService", args.versions.aziotIdentityService],
        ["versions.moby", args.versions.moby],
    ];
    for (const [f, v] of versions) {
        if (v === undefined && f !== "versions.aziotEdge") {
            continue;
        }
        try {
            steps.assertDebVersion(f, v ?? "");
        } catch (e) {
            problems.push(`${field}.${(e as Error).message}`);
        }
    }
    problems.push(...steps.validateFiles(args.files, `${field}.files`));
    const t = args.healthTimeoutSeconds;
    if (t !== undefined && (!Number.isInteger(t) || t < 0)) {
        problems.push(`${field}.healthTimeoutSeconds: must be a non-negative integer`);
    }
    if (args.offlinePackages) {
        for (const [k, p] of Object.entries(args.offlinePackages)) {
            if (!fs.existsSync(p)) {
                problems.push(`${field}.offlinePackages.${k}: ${p} does not exist`);
            }
        }
    }
    const kind = args.kind ?? "linux";
    if (kind === "eflow") {
        if (!args.eflow) {
            problems.push(`${field}.eflow: required when kind is "eflow"`);
        } else {
            const have = new Set(args.files.map((f) => f.role));
            for (const role of steps.eflowRequiredRoles(args.eflow.provisioningType)) {
                if (!have.has(role)) {
                    problems.push(
                        `${field}.files: role "${role}" is required for EFLOW ${args.eflow.provisioningType}`,
                    );
                }
            }
            args.files.forEach((f, i) => {
                if (!steps.EFLOW_FILE_NAMES[f.role]) {
                    problems.push(`${field}.files[${i}].role: "${f.role}" is not used by EFLOW`);
                }
            });
            if (!args.eflow.registrationId) {
                problems.push(`${field}.eflow.registrationId: required`);
            }
        }
        if (args.offlinePackages) {
            problems.push(`${field}.offlinePackages: not supported for EFLOW`);
        }
    } else if (args.eflow) {
        problems.push(`${field}.eflow: only valid when kind is "eflow"`);
    }
    return problems;
}

function sha256File(p: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");
}

/** Defaults resolved once (STYLE.md); throws with every problem at once. */
function resolveArgs(args: EdgeDeviceArgs): ResolvedArgs {
    const problems = validateEdgeDeviceArgs(args);
    if (problems.length > 0) {
        throw new Error(`EdgeDevice ${args.deviceId}:\n  ${problems.join("\n  ")}`);
    }
    const deb = (local: string, pkg: "aziot-edge" | "aziot-identity-service"): LocalDeb => ({
        localPath: local,
        remotePath: steps.offlineRemotePath(args.deviceId, pkg),
        sha256: sha256File(local),
    });
    return {
        deviceId: args.deviceId,
        kind: args.kind ?? "linux",
        connection: args.connection,
        versions: args.versions,
        offline: args.offlinePackages && {
            aziotEdgeDeb: deb(args.offlinePackages.aziotEdgeDeb, "aziot-edge"),
            aziotIdentityServiceDeb: deb(
                args.offlinePackages.aziotIdentityServiceDeb,
                "aziot-identity-service",
            ),
        },
        files: args.files,
        configToml: args.configToml,
        trustStoreCa: args.trustStoreCa,
        purgeOnDelete: args.purgeOnDelete ?? false,
        healthTimeoutSeconds: args.healthTimeoutSeconds ?? DEFAULT_HEALTH_TIMEOUT_SECONDS,
        check: args.check ?? "configuration",
        eflow: args.eflow,
    };
}

function toConnection(c: EdgeDeviceConnection): command.types.input.remote.ConnectionArgs {
    return {
        host: c.host,
        port: c.port ?? 22,
        user: c.user,
        privateKey: pulumi.secret(c.privateKey),
        proxy: c.jump && {
            host: c.jump.host,
            port: c.jump.port ?? 22,
            user: c.jump.user,
            privateKey: pulumi.secret(c.jump.privateKey),
        },
    };
}

interface BuiltDevice {
    install: command.remote.Command;
    files: command.remote.Command;
    apply: command.remote.Command;
    offlineCopies: command.remote.CopyToRemote[];
    triggers: pulumi.Output<string[]>;
}

/** Plain file contents, resolved together (secretness is re-applied by the caller). */
function resolvedFiles(files: EdgeDeviceFile[]): pulumi.Output<steps.DeviceFileContent[]> {
    return pulumi
        .all(files.map((f) => f.content))
        .apply((contents) =>
            files.map((f, i) => ({ role: f.role, content: contents[i], encoding: f.encoding })),
        );
}

function buildEdgeDevice(parent: EdgeDevice, name: string, r: ResolvedArgs): BuiltDevice {
    const connection = toConnection(r.connection);
    const target = pulumi.output(r.connection.user).apply(steps.shellTargetFor);
    const files = resolvedFiles(r.files);
    const trustCa = r.trustStoreCa === undefined ? undefined : pulumi.output(r.trustStoreCa);

    // Triggers: content hashes, secret-free on purpose (see steps.contentHash) so a preview
    // shows which device changes and why; sorted, so identical inputs give identical values.
    const fileTriggers = pulumi.unsecret(
        pulumi
            .all([files, trustCa])
            .apply(([fs_, ca]) =>
                r.kind === "eflow" ? steps.fileTriggers(fs_) : steps.fileTriggers(fs_, ca),
            ),
    );
    const configTrigger = pulumi.unsecret(
        pulumi.output(r.configToml).apply((c) => steps.configTrigger(c)),
    );
    const eflowTrigger =
        r.eflow &&
        pulumi.unsecret(
            pulumi
                .all([r.eflow.idScope, r.eflow.registrationId, r.eflow.provisioningType])
                .apply(([s, id, t]) => `eflow=${t}:${s}:${id}`),
        );
    const applyTriggers =
        r.kind === "eflow"
            ? pulumi.all([eflowTrigger!, fileTriggers]).apply(([e, f]) => [e, ...f])
            : pulumi.all([configTrigger, fileTriggers]).apply(([c, f]) => [c, ...f]);

    const common = { connection, addPreviousOutputInEnv: false };
    const opts = (dependsOn: pulumi.Resource[]): pulumi.CustomResourceOptions => ({
        parent,
        dependsOn,
    });

    // 1. install (+ offline package copies). No triggers: it carries the teardown `delete`.
    const offlineCopies: command.remote.CopyToRemote[] = [];
    if (r.offline) {
        for (const [role, deb] of [
            ["offline-aziot-identity-service", r.offline.aziotIdentityServiceDeb],
            ["offline-aziot-edge", r.offline.aziotEdgeDeb],
        ] as const) {
            offlineCopies.push(
                new command.remote.CopyToRemote(
                    `${name}-${role}`,
                    {
                        connection,
                        source: new pulumi.asset.FileAsset(deb.localPath),
                        remotePath: deb.remotePath,
                        triggers: [deb.sha256],
                    },
                    { parent },
                ),
            );
        }
    }
    const installCmd =
        r.kind === "eflow"
            ? pulumi.output(steps.eflowInstallStep(r.deviceId).command)
            : target.apply(
                  (t) =>
                      steps.installStep(
                          {
                              versions: r.versions,
                              offline: r.offline && {
                                  aziotEdgeDeb: r.offline.aziotEdgeDeb,
                                  aziotIdentityServiceDeb: r.offline.aziotIdentityServiceDeb,
                              },
                          },
                          t,
                      ).command,
              );
    const teardownCmd =
        r.kind === "eflow"
            ? pulumi.output(steps.eflowTeardownCommand(r.deviceId))
            : target.apply((t) =>
                  steps.teardownCommand(
                      {
                          purge: r.purgeOnDelete,
                          extraPaths: r.offline && [
                              r.offline.aziotEdgeDeb.remotePath,
                              r.offline.aziotIdentityServiceDeb.remotePath,
                          ],
                      },
                      t,
                  ),
              );
    const install = new command.remote.Command(
        `${name}-install`,
        {
            ...common,
            create: installCmd,
            update: installCmd,
            delete: teardownCmd,
            logging: command.types.enums.remote.Logging.StdoutAndStderr,
        },
        opts(offlineCopies),
    );

    // 2. files: keys on stdin only; nothing echoed; every output that could mirror stdin secret.
    const filesStep =
        r.kind === "eflow"
            ? files.apply((f) => steps.eflowFilesStep(r.deviceId, f))
            : pulumi.all([files, trustCa, target]).apply(([f, ca, t]) => steps.filesStep(f, ca, t));
    const filesResource = new command.remote.Command(
        `${name}-files`,
        {
            ...common,
            create: pulumi.unsecret(filesStep.apply((s) => s.command)),
            update: pulumi.unsecret(filesStep.apply((s) => s.command)),
            stdin: pulumi.secret(filesStep.apply((s) => s.stdin!)),
            triggers: fileTriggers,
            logging: command.types.enums.remote.Logging.None,
        },
        { ...opts([install]), additionalSecretOutputs: ["stdin", "stdout", "stderr"] },
    );

    // 3. apply: config.toml on stdin; health wait; iotedge check. Re-runs on config or file change.
    const applyStep =
        r.kind === "eflow"
            ? pulumi
                  .all([r.eflow!.idScope])
                  .apply(([idScope]) =>
                      steps.eflowProvisionStep(r.deviceId, { ...r.eflow!, idScope }),
                  )
            : pulumi.all([r.configToml, target]).apply(([configToml, t]) =>
                  steps.applyStep(
                      {
                          configToml,
                          healthTimeoutSeconds: r.healthTimeoutSeconds,
                          check: r.check,
                          aziotEdgeVersion: r.versions.aziotEdge,
                      },
                      t,
                  ),
              );
    const apply = new command.remote.Command(
        `${name}-apply`,
        {
            ...common,
            create: applyStep.apply((s) => s.command),
            update: applyStep.apply((s) => s.command),
            ...(r.kind === "linux" ? { stdin: applyStep.apply((s) => s.stdin!) } : {}),
            triggers: applyTriggers,
            logging: command.types.enums.remote.Logging.StdoutAndStderr,
        },
        opts([filesResource]),
    );

    return {
        install,
        files: filesResource,
        apply,
        offlineCopies,
        triggers: applyTriggers,
    };
}

/**
 * One IoT Edge device, converged over SSH. See the file comment for the step order and the
 * delete semantics.
 */
export class EdgeDevice extends pulumi.ComponentResource {
    /** The IoT Hub device ID. */
    public readonly deviceId: string;
    /** Step 1: packages (its `delete` is the teardown). */
    public readonly install: command.remote.Command;
    /** Step 2: certificates and keys. */
    public readonly files: command.remote.Command;
    /** Step 3: config.toml, `iotedge config apply`, health. */
    public readonly apply: command.remote.Command;
    /** Content-hash triggers of the apply step (config + files): what a preview diffs. */
    public readonly triggers: pulumi.Output<string[]>;

    constructor(name: string, args: EdgeDeviceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(EDGE_DEVICE_TYPE, name, {}, opts);
        const resolved = resolveArgs(args);
        const built = buildEdgeDevice(this, name, resolved);
        this.deviceId = resolved.deviceId;
        this.install = built.install;
        this.files = built.files;
        this.apply = built.apply;
        this.triggers = built.triggers;
        this.registerOutputs({
            deviceId: this.deviceId,
            triggers: this.triggers,
            applyStdout: this.apply.stdout,
        });
    }
}

/** The layout roles a Linux device may receive (re-exported for the fleet mapper). */
export const EDGE_DEVICE_FILE_ROLES = Object.keys(DEVICE_FILES) as DeviceFileRole[];
