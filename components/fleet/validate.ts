/**
 * Validation of the fleet model, before any resource is declared. Every problem is reported at
 * once, each with the path of the field it is about (`fleet.devices[3].registrationId: ...`).
 *
 * Pure: no Pulumi import. The rules cite where they come from: ../shared/reference/FACTS.md
 * (what `iotedge config apply` and the services really accept) and the seed documents.
 */
import { z } from "zod";
import {
    isDpsMethod,
    ResolvedDevice,
    ResolvedFleet,
    resolveFleet,
    PKI_IDENTITY_METHODS,
} from "./resolve";
import { AutoRenewConfig, fleetSchema } from "./schema";
import { configProblems } from "../device/render-validate";

export interface FleetProblem {
    /** Field path, e.g. `fleet.devices[3].registrationId`. */
    path: string;
    message: string;
}

export interface CheckOptions {
    /**
     * Whether a config key is set, for the `...Secret` references. Absent: references are not
     * checked (pure unit tests of the shape).
     */
    hasConfig?: (key: string) => boolean;
}

export type CheckResult =
    | { ok: true; fleet: ResolvedFleet; problems: [] }
    | { ok: false; fleet?: undefined; problems: FleetProblem[] };

/** Thrown by {@link loadFleet} callers that want an exception; lists every problem. */
export class FleetValidationError extends Error {
    constructor(public readonly problems: FleetProblem[]) {
        super(
            `the fleet config has ${problems.length} problem(s):\n` +
                problems.map((p) => `  ${formatProblem(p)}`).join("\n"),
        );
        this.name = "FleetValidationError";
    }
}

export function formatProblem(p: FleetProblem): string {
    return `${p.path}: ${p.message}`;
}

export function formatPath(path: ReadonlyArray<PropertyKey>, root = "fleet"): string {
    let out = root;
    for (const key of path) {
        out += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
    }
    return out;
}

/** Parse, resolve and check a fleet config; the single entry point for everything else. */
export function checkFleet(raw: unknown, options: CheckOptions = {}): CheckResult {
    const parsed = fleetSchema.safeParse(raw);
    if (!parsed.success) {
        // Cross-field rules on a malformed fleet would only add noise: report the shape first,
        // all of it.
        return { ok: false, problems: sortProblems(parsed.error.issues.flatMap(zodProblem)) };
    }
    const fleet = resolveFleet(parsed.data);
    const problems = sortProblems(semanticProblems(fleet, options));
    return problems.length === 0 ? { ok: true, fleet, problems: [] } : { ok: false, problems };
}

function sortProblems(problems: FleetProblem[]): FleetProblem[] {
    // Deterministic order (by path, then message) so CLI output and tests are stable.
    const seen = new Set<string>();
    return problems
        .filter((p) => {
            const key = formatProblem(p);
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
        })
        .sort((a, b) =>
            a.path === b.path ? a.message.localeCompare(b.message) : comparePaths(a.path, b.path),
        );
}

function comparePaths(a: string, b: string): number {
    // Numeric indexes compare as numbers: devices[2] before devices[10].
    const split = (p: string) => p.split(/[.[\]]+/).filter((s) => s !== "");
    const pa = split(a);
    const pb = split(b);
    for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
        if (pa[i] === pb[i]) continue;
        const na = Number(pa[i]);
        const nb = Number(pb[i]);
        if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
        return pa[i] < pb[i] ? -1 : 1;
    }
    return pa.length - pb.length;
}

function zodProblem(issue: z.core.$ZodIssue): FleetProblem[] {
    if (issue.code === "unrecognized_keys") {
        // IoT Edge's own parser ignores unknown keys silently (FACTS.md §2), so a typo in the
        // fleet would be lost the same way: name each one.
        return issue.keys.map((key) => ({
            path: formatPath([...issue.path, key]),
            message: "unknown field (check the spelling; see components/fleet/schema.ts)",
        }));
    }
    const missing = /^Invalid input: expected (\w+), received undefined$/.exec(issue.message);
    return [
        {
            path: formatPath(issue.path),
            message: missing ? `required (a ${missing[1]})` : issue.message,
        },
    ];
}

/** DPS registration IDs: spec `IndividualEnrollment.registrationId` (dps-service-2021-10-01). */
const REGISTRATION_ID = /^[A-Za-z0-9](?:[A-Za-z0-9:._-]{0,126}[A-Za-z0-9])?$/;
/** IoT Hub device IDs: FACTS.md §4 (iot-hub-devguide-identity-registry). */
const DEVICE_ID = /^[A-Za-z0-9\-.%_*?!(),:=@$']{1,128}$/;
/** RFC 1035 hostname labels, as `aziotctl check` warns (FACTS.md §2). */
const HOSTNAME =
    /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** Debian package version as apt pins it (`1.5.21-1`). */
const APT_VERSION = /^[0-9][A-Za-z0-9.+~:-]*$/;

/**
 * Renewal policy grammar (FACTS.md §2, cert-renewal policy.rs): `<1-99>%`, `<n>min`, `<n>day`,
 * n positive. Returns an error message, or undefined when valid.
 */
export function renewalPolicyError(value: string): string | undefined {
    const m = /^(\d+)(%|min|day)$/.exec(value);
    if (!m) {
        return `"${value}" is not a renewal policy: use N% (1-99), Nmin or Nday (e.g. "80%", "10min", "4day"; "4d" and "10m" are rejected by IoT Edge)`;
    }
    const n = Number(m[1]);
    if (n <= 0) return `"${value}": renewal policy values must be positive`;
    if (m[2] === "%" && n >= 100) return `"${value}": a percentage must be below 100%`;
    return undefined;
}

function semanticProblems(fleet: ResolvedFleet, options: CheckOptions): FleetProblem[] {
    const problems: FleetProblem[] = [];
    const add = (path: string, message: string) => problems.push({ path, message });
    const needConfig = (path: string, key: string) => {
        if (options.hasConfig && !options.hasConfig(key)) {
            add(path, `config key "${key}" is not set (pulumi config set --secret ${key} ...)`);
        }
    };
    // In a fleet stack the CAs and groups are the platform stack's: so are their secrets.
    const needPlatformConfig = fleet.platform ? () => undefined : needConfig;

    // ---- PKI --------------------------------------------------------------------------
    const cas = new Map(fleet.pki.cas.map((c) => [c.name, c]));
    duplicates(fleet.pki.cas.map((c) => c.name)).forEach((i) =>
        add(`fleet.pki.cas[${i}].name`, `duplicate CA name "${fleet.pki.cas[i].name}"`),
    );
    fleet.pki.cas.forEach((ca, i) => {
        const path = `fleet.pki.cas[${i}]`;
        if (ca.issuer !== undefined && !cas.has(ca.issuer)) {
            add(`${path}.issuer`, `no CA named "${ca.issuer}" in fleet.pki.cas`);
        }
        if (ca.import) {
            needPlatformConfig(`${path}.import.privateKeySecret`, ca.import.privateKeySecret);
            if (!/-----BEGIN CERTIFICATE-----/.test(ca.import.certificatePem)) {
                add(`${path}.import.certificatePem`, "must be a PEM certificate");
            }
            if (ca.issuer !== undefined) {
                add(
                    `${path}.issuer`,
                    "an imported CA is already signed; give its chain in import.chainPem instead",
                );
            }
        }
        // Cycles: follow issuers; a chain longer than the number of CAs loops.
        let cur = ca;
        for (let hops = 0; cur.issuer !== undefined && cas.has(cur.issuer); hops++) {
            if (hops > cas.size) {
                add(`${path}.issuer`, "CA issuers form a cycle");
                break;
            }
            cur = cas.get(cur.issuer)!;
        }
    });
    fleet.pki.cas.forEach((ca, i) => {
        if (!ca.import && ca.earlyRenewalDays >= ca.validityDays) {
            // Renewal would be due the moment the certificate exists: every `pulumi up` replaces it.
            add(
                `fleet.pki.cas[${i}].earlyRenewalDays`,
                `${ca.earlyRenewalDays} must be below validityDays (${ca.validityDays})`,
            );
        }
    });
    for (const [field, days] of [
        ["identityValidityDays", fleet.pki.identityValidityDays],
        ["edgeCaValidityDays", fleet.pki.edgeCaValidityDays],
    ] as const) {
        if (fleet.pki.earlyRenewalDays >= days) {
            add(
                "fleet.pki.deviceCertificates.earlyRenewalDays",
                `${fleet.pki.earlyRenewalDays} must be below ${field} (${days})`,
            );
        }
    }
    if (!cas.has(fleet.pki.defaultIssuer)) {
        add("fleet.pki.defaultIssuer", `no CA named "${fleet.pki.defaultIssuer}" in fleet.pki.cas`);
    }

    // ---- Hubs and DPS -----------------------------------------------------------------
    const hubs = new Set(fleet.hubs.map((h) => h.name));
    duplicates(fleet.hubs.map((h) => h.name.toLowerCase())).forEach((i) =>
        add(`fleet.hubs[${i}].name`, `duplicate hub name "${fleet.hubs[i].name}"`),
    );
    fleet.hubs.forEach((h, i) => {
        if (!/^[A-Za-z0-9-]+$/.test(h.name)) {
            add(
                `fleet.hubs[${i}].name`,
                "an IoT Hub name may contain only letters, digits and hyphens",
            );
        }
    });
    const linked = new Set<string>();
    if (fleet.dps) {
        fleet.dps.links.forEach((l, i) => {
            if (!hubs.has(l.hub))
                add(`fleet.dps.links[${i}].hub`, `no hub named "${l.hub}" in fleet.hubs`);
            if (linked.has(l.hub))
                add(`fleet.dps.links[${i}].hub`, `hub "${l.hub}" is linked twice`);
            linked.add(l.hub);
        });
    }

    // ---- Enrollment groups ------------------------------------------------------------
    const groups = new Map(fleet.enrollmentGroups.map((g) => [g.name, g]));
    duplicates(fleet.enrollmentGroups.map((g) => g.name.toLowerCase())).forEach((i) =>
        add(
            `fleet.enrollmentGroups[${i}].name`,
            `duplicate enrollment group "${fleet.enrollmentGroups[i].name}"`,
        ),
    );
    fleet.enrollmentGroups.forEach((g, i) => {
        const path = `fleet.enrollmentGroups[${i}]`;
        if (!fleet.dps) add(path, "enrollment groups need fleet.dps");
        if (!REGISTRATION_ID.test(g.name)) {
            add(
                `${path}.name`,
                "an enrollment group ID is alphanumeric plus : . _ - (not at start or end), at most 128 characters",
            );
        }
        if (g.attestation.type === "x509") {
            if (!cas.has(g.attestation.ca))
                add(`${path}.attestation.ca`, `no CA named "${g.attestation.ca}" in fleet.pki.cas`);
            if (g.attestation.secondaryCa !== undefined && !cas.has(g.attestation.secondaryCa)) {
                add(
                    `${path}.attestation.secondaryCa`,
                    `no CA named "${g.attestation.secondaryCa}" in fleet.pki.cas`,
                );
            }
        } else {
            if (g.attestation.primaryKeySecret)
                needPlatformConfig(
                    `${path}.attestation.primaryKeySecret`,
                    g.attestation.primaryKeySecret,
                );
            if (g.attestation.secondaryKeySecret)
                needPlatformConfig(
                    `${path}.attestation.secondaryKeySecret`,
                    g.attestation.secondaryKeySecret,
                );
        }
        checkEnrollmentHubs(`${path}.hubs`, g.hubs, linked, add);
    });

    // ---- Devices ----------------------------------------------------------------------
    duplicates(fleet.devices.map((d) => d.deviceId)).forEach((i) =>
        add(`fleet.devices[${i}].deviceId`, `duplicate device ID "${fleet.devices[i].deviceId}"`),
    );
    // DPS registration IDs are case-insensitive (spec): "Dev-1" and "dev-1" collide.
    const dpsDevices = fleet.devices.filter((d) => isDpsMethod(d.provisioning.method));
    duplicates(dpsDevices.map((d) => d.registrationId.toLowerCase())).forEach((i) =>
        add(
            `fleet.devices[${dpsDevices[i].index}].registrationId`,
            `duplicate registration ID "${dpsDevices[i].registrationId}" (DPS compares them case-insensitively)`,
        ),
    );
    if (fleet.platform) {
        // A platform stack hands its fleet stacks the keys of the CAs that issue device
        // certificates, never its root's (components/platform.ts).
        const roots = new Set(
            fleet.pki.cas.filter((c) => c.issuer === undefined && !c.import).map((c) => c.name),
        );
        for (const device of fleet.devices) {
            const issuers: Array<[string, string | undefined]> = [
                ["issuer", device.identityIssuer],
                ["edgeCa.issuer", device.edgeCa.mode === "pki" ? device.edgeCa.issuer : undefined],
                ["est.bootstrapIssuer", device.est?.bootstrapIssuer],
            ];
            for (const [field, ca] of issuers) {
                if (ca !== undefined && roots.has(ca)) {
                    add(
                        `fleet.devices[${device.index}].${field}`,
                        `"${ca}" is the platform's root CA, whose key stays in the platform stack: issue device certificates from an intermediate`,
                    );
                }
            }
        }
    }
    const deviceIds = new Set(fleet.devices.map((d) => d.deviceId));
    for (const device of fleet.devices) {
        checkDevice(device, fleet, { cas, hubs, linked, groups, deviceIds }, add, needConfig);
        // What config.toml itself constrains beyond the model (FACTS.md §2), kept beside the
        // renderer that has to honour it.
        problems.push(...configProblems(device));
    }
    return problems;
}

function checkEnrollmentHubs(
    path: string,
    hubs: string[],
    linked: Set<string>,
    add: (path: string, message: string) => void,
) {
    hubs.forEach((h, j) => {
        if (!linked.has(h))
            add(`${path}[${j}]`, `hub "${h}" is not linked to the DPS (fleet.dps.links)`);
    });
}

function checkDevice(
    device: ResolvedDevice,
    fleet: ResolvedFleet,
    refs: {
        cas: Map<string, unknown>;
        hubs: Set<string>;
        linked: Set<string>;
        groups: Map<string, ResolvedFleet["enrollmentGroups"][number]>;
        deviceIds: Set<string>;
    },
    add: (path: string, message: string) => void,
    needConfig: (path: string, key: string) => void,
) {
    const path = `fleet.devices[${device.index}]`;
    const p = device.provisioning;

    if (!DEVICE_ID.test(device.deviceId)) {
        add(
            `${path}.deviceId`,
            "a device ID is 1-128 ASCII letters, digits and - . % _ * ? ! ( ) , : = @ $ ' (no + or #)",
        );
    }
    if (isDpsMethod(p.method) && !REGISTRATION_ID.test(device.registrationId)) {
        add(
            `${path}.registrationId`,
            `"${device.registrationId}" is not a DPS registration ID: letters, digits and : . _ - (not at start or end), at most 128 characters`,
        );
    }

    // SSH: where the device steps connect.
    if (device.ssh.host === "") add(`${path}.ssh.host`, "required (here or in fleet.defaults.ssh)");
    if (device.ssh.user === "") add(`${path}.ssh.user`, "required (here or in fleet.defaults.ssh)");
    needConfig(`${path}.ssh.privateKeySecret`, device.ssh.privateKeySecret);
    if (device.ssh.jump) {
        if (device.ssh.jump.user === "") add(`${path}.ssh.jump.user`, "required");
        needConfig(`${path}.ssh.jump.privateKeySecret`, device.ssh.jump.privateKeySecret);
    }

    // Versions: pinned, so every device of the fleet runs what was reviewed.
    const v = device.versions;
    if (v.aziotEdge === "")
        add(
            `${path}.versions.aziotEdge`,
            "required: pin the IoT Edge version (apt list -a aziot-edge), here or in fleet.defaults.versions",
        );
    else if (!APT_VERSION.test(v.aziotEdge))
        add(`${path}.versions.aziotEdge`, `"${v.aziotEdge}" is not a package version`);
    if (v.aziotIdentityService === "")
        add(
            `${path}.versions.aziotIdentityService`,
            "required: pin the identity service version (apt list -a aziot-identity-service), here or in fleet.defaults.versions",
        );
    else if (!APT_VERSION.test(v.aziotIdentityService))
        add(
            `${path}.versions.aziotIdentityService`,
            `"${v.aziotIdentityService}" is not a package version`,
        );
    const minor = (s: string) => s.split(".").slice(0, 2).join(".");
    if (
        v.aziotEdge &&
        v.aziotIdentityService &&
        minor(v.aziotEdge) !== minor(v.aziotIdentityService)
    ) {
        add(
            `${path}.versions`,
            `aziot-edge ${v.aziotEdge} and aziot-identity-service ${v.aziotIdentityService} are from different releases (aziot-edge depends on the identity service of its own minor version)`,
        );
    }
    if (v.moby !== undefined && !APT_VERSION.test(v.moby))
        add(`${path}.versions.moby`, `"${v.moby}" is not a package version`);

    // Hostnames.
    if (device.hostname !== undefined) {
        if (!HOSTNAME.test(device.hostname))
            add(
                `${path}.hostname`,
                `"${device.hostname}" is not a valid hostname (RFC 1035 labels)`,
            );
        else if (device.hostname.length > 64)
            add(
                `${path}.hostname`,
                "longer than 64 characters: too long to be used as a certificate issuer (aziotctl check)",
            );
    }
    if (device.parentHostname !== undefined) {
        if (!HOSTNAME.test(device.parentHostname))
            add(`${path}.parentHostname`, `"${device.parentHostname}" is not a valid hostname`);
        else if (device.parentHostname.length >= 64)
            add(`${path}.parentHostname`, "must be shorter than 64 characters");
        if (isDpsMethod(p.method)) {
            // FACTS.md §2: apply.rs, Dps arm.
            add(
                `${path}.parentHostname`,
                "DPS provisioning is not supported in nested mode: use a manual method for a child device, or drop parentHostname",
            );
        }
    }
    if (device.parentDeviceId !== undefined) {
        if (!refs.deviceIds.has(device.parentDeviceId)) {
            add(`${path}.parentDeviceId`, `no device "${device.parentDeviceId}" in fleet.devices`);
        }
        if (device.parentDeviceId === device.deviceId)
            add(`${path}.parentDeviceId`, "a device cannot be its own parent");
    }

    // config.toml settings the parser constrains (FACTS.md §2).
    if (device.cloudTimeoutSec < 70) {
        add(
            `${path}.cloudTimeoutSec`,
            `${device.cloudTimeoutSec} is below 70: IoT Edge rejects it ("cloud_timeout_sec must be at least 70 seconds")`,
        );
    }

    // Provisioning.
    switch (p.method) {
        case "manual-x509":
        case "manual-symmetric-key":
        case "manual-connection-string":
            if (!refs.hubs.has(p.hub))
                add(`${path}.provisioning.hub`, `no hub named "${p.hub}" in fleet.hubs`);
            if (p.method === "manual-connection-string")
                needConfig(`${path}.provisioning.connectionStringSecret`, p.connectionStringSecret);
            break;
        case "dps-symmetric-key":
        case "dps-x509": {
            if ((p.enrollmentGroup === undefined) === (p.individual === undefined)) {
                add(
                    `${path}.provisioning`,
                    "give exactly one of enrollmentGroup (a group of fleet.enrollmentGroups) or individual (an individual enrollment)",
                );
            }
            if (p.enrollmentGroup !== undefined)
                checkGroupRef(p.enrollmentGroup, p.method === "dps-x509" ? "x509" : "symmetricKey");
            if (p.individual)
                checkEnrollmentHubs(
                    `${path}.provisioning.individual.hubs`,
                    p.individual.hubs,
                    refs.linked,
                    add,
                );
            break;
        }
        case "dps-x509-est":
            checkGroupRef(p.enrollmentGroup, "x509");
            if (!device.est)
                add(
                    `${path}.est`,
                    "the EST method needs an EST server (here or in fleet.defaults.est)",
                );
            if (p.identityAutoRenew)
                checkAutoRenew(`${path}.provisioning.identityAutoRenew`, p.identityAutoRenew);
            break;
        case "dps-tpm":
            if (p.individual)
                checkEnrollmentHubs(
                    `${path}.provisioning.individual.hubs`,
                    p.individual.hubs,
                    refs.linked,
                    add,
                );
            break;
        default: {
            const exhaustive: never = p;
            add(`${path}.provisioning.method`, `unknown method ${JSON.stringify(exhaustive)}`);
        }
    }
    if (isDpsMethod(p.method) && !fleet.dps)
        add(`${path}.provisioning.method`, `${p.method} needs fleet.dps`);
    if (device.identityIssuer !== undefined && !refs.cas.has(device.identityIssuer)) {
        add(`${path}.issuer`, `no CA named "${device.identityIssuer}" in fleet.pki.cas`);
    }
    if (p.method === "dps-x509" && p.enrollmentGroup !== undefined) {
        const g = refs.groups.get(p.enrollmentGroup);
        if (
            g?.attestation.type === "x509" &&
            device.identityIssuer !== undefined &&
            device.identityIssuer !== g.attestation.ca &&
            device.identityIssuer !== g.attestation.secondaryCa
        ) {
            add(
                `${path}.issuer`,
                `the identity certificate must chain to the group's CA "${g.attestation.ca}", not "${device.identityIssuer}"`,
            );
        }
    }

    // Edge CA (seed 003 "Manage Edge CA"; FACTS.md §2).
    const ca = device.edgeCa;
    switch (ca.mode) {
        case "pki":
            if (!refs.cas.has(ca.issuer))
                add(`${path}.edgeCa.issuer`, `no CA named "${ca.issuer}" in fleet.pki.cas`);
            checkEdgeCaName(ca.commonName);
            break;
        case "quickstart":
            if (ca.autoRenew) {
                checkAutoRenew(`${path}.edgeCa.autoRenew`, ca.autoRenew);
                if (!ca.autoRenew.rotateKey)
                    add(
                        `${path}.edgeCa.autoRenew.rotateKey`,
                        "must be true for a quickstart Edge CA (IoT Edge requires it)",
                    );
            }
            break;
        case "est":
            if (!device.est)
                add(
                    `${path}.est`,
                    "an EST Edge CA needs an EST server (here or in fleet.defaults.est)",
                );
            if (ca.commonName !== undefined) checkEdgeCaName(ca.commonName);
            if (ca.autoRenew) checkAutoRenew(`${path}.edgeCa.autoRenew`, ca.autoRenew);
            break;
        default: {
            const exhaustive: never = ca;
            add(`${path}.edgeCa.mode`, `unknown mode ${JSON.stringify(exhaustive)}`);
        }
    }
    if (device.est && !refs.cas.has(device.est.bootstrapIssuer)) {
        add(
            `${path}.est.bootstrapIssuer`,
            `no CA named "${device.est.bootstrapIssuer}" in fleet.pki.cas`,
        );
    }

    // IoT Edge for Linux on Windows (seed 001): Provision-EflowVm with DPS X.509 or symmetric key.
    if (device.kind === "eflow" && p.method !== "dps-x509" && p.method !== "dps-symmetric-key") {
        add(
            `${path}.kind`,
            `an EFLOW device is provisioned with dps-x509 or dps-symmetric-key here, not ${p.method}`,
        );
    }
    if (PKI_IDENTITY_METHODS.has(p.method) && device.identityIssuer === undefined) {
        add(`${path}.issuer`, "an X.509 device needs a CA to issue its identity certificate");
    }

    function checkGroupRef(name: string, type: "x509" | "symmetricKey") {
        const g = refs.groups.get(name);
        if (!g) {
            add(
                `${path}.provisioning.enrollmentGroup`,
                `no enrollment group "${name}" in fleet.enrollmentGroups`,
            );
        } else if (g.attestation.type !== type) {
            add(
                `${path}.provisioning.enrollmentGroup`,
                `group "${name}" uses ${g.attestation.type} attestation, but ${p.method} needs ${type}`,
            );
        }
    }
    function checkEdgeCaName(cn: string) {
        // Seed 003: the Edge CA CN can't match the hostname or the device ID.
        if (cn === device.deviceId)
            add(
                `${path}.edgeCa.commonName`,
                "must differ from the device ID (seed 003: the Edge CA CN can't match the device ID)",
            );
        if (device.hostname !== undefined && cn.toLowerCase() === device.hostname.toLowerCase()) {
            add(
                `${path}.edgeCa.commonName`,
                "must differ from the hostname (seed 003: the Edge CA CN can't match the hostname)",
            );
        }
    }
    function checkAutoRenew(at: string, r: AutoRenewConfig) {
        const t = renewalPolicyError(r.threshold);
        if (t) add(`${at}.threshold`, t);
        const rt = renewalPolicyError(r.retry);
        if (rt) add(`${at}.retry`, rt);
    }
}

/** Indexes of entries equal to an earlier one. */
function duplicates(values: string[]): number[] {
    const seen = new Set<string>();
    const out: number[] = [];
    values.forEach((v, i) => {
        if (seen.has(v)) out.push(i);
        seen.add(v);
    });
    return out;
}
