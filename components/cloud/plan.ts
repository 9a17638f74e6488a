/**
 * What the cloud side of a fleet consists of, decided from plain values only (the resolved
 * fleet and which certificates the caller holds): which CA certificates are uploaded where,
 * which enrollment each device uses, which devices get a hub identity and in what order.
 * FleetCloud turns this into resources; the shape of the graph is decided here, once.
 *
 * Pure: no Pulumi import.
 */
import type {
    ResolvedDevice,
    ResolvedEnrollmentGroup,
    ResolvedEnrollmentOptions,
    ResolvedFleet,
} from "../fleet";

/** Attestation of an individual enrollment (FACTS.md §3 `AttestationMechanism`). */
export type IndividualKind = "symmetricKey" | "x509" | "tpm";

/** How one device gets its cloud identity. One variant per way, not per config method. */
export type DevicePlan =
    /** Seed 002: a derived key of a symmetric-key group; no resource of its own. */
    | { kind: "groupSymmetricKey"; deviceId: string; registrationId: string; group: string }
    /** Seed 001/003: a certificate chained to an X.509 group's CA; no resource of its own. */
    | { kind: "groupX509"; deviceId: string; registrationId: string; group: string }
    /** Seeds 001/002, TPM: an individual enrollment of its own. */
    | {
          kind: "individual";
          deviceId: string;
          registrationId: string;
          attestation: IndividualKind;
          /** TPM endorsement key (base64), for `attestation: "tpm"`. */
          endorsementKey?: string;
          options: ResolvedEnrollmentOptions;
      }
    /** Seed 000 and its SAS twin: an IoT Hub device identity of its own. */
    | {
          kind: "hubIdentity";
          deviceId: string;
          hub: string;
          authentication: "sas" | "selfSigned" | "certificateAuthority";
          /** Parent edge device (nested edge); its identity is declared first. */
          parentDeviceId?: string;
      }
    /** Registered outside this stack: only its hub's host name and its key from config. */
    | { kind: "external"; deviceId: string; hub: string; connectionStringSecret: string };

export interface CloudPlan {
    /** CAs uploaded as verified certificates to every hub (`verifiedIn: ["hubs"]`). */
    hubCas: string[];
    /** CAs uploaded as verified certificates to the DPS (`verifiedIn: ["dps"]`). */
    dpsCas: string[];
    enrollmentGroups: ResolvedEnrollmentGroup[];
    /** Every device, hub identities ordered parents first. */
    devices: DevicePlan[];
}

/** What the caller holds for each device, as plain facts (values may be unknown yet). */
export interface CertificateAvailability {
    /** CA names with a certificate PEM. */
    caCerts: ReadonlySet<string>;
    /** Device IDs with a primary thumbprint / secondary thumbprint / primary PEM. */
    primaryThumbprint: ReadonlySet<string>;
    secondaryThumbprint: ReadonlySet<string>;
    primaryCertPem: ReadonlySet<string>;
}

/** Raised when the fleet and the certificates given cannot make a cloud; lists every problem. */
export class CloudPlanError extends Error {
    constructor(public readonly problems: string[]) {
        super(`cannot declare the fleet's cloud resources:\n  ${problems.join("\n  ")}`);
        this.name = "CloudPlanError";
    }
}

/** resolve.ts gives every individual enrollment its options; a gap is a bug, not bad input. */
function missingOptions(deviceId: string): never {
    throw new Error(`device "${deviceId}": individual enrollment without resolved options`);
}

/** The cloud plan of a validated fleet; throws {@link CloudPlanError} listing every problem. */
export function planCloud(fleet: ResolvedFleet, have: CertificateAvailability): CloudPlan {
    const problems: string[] = [];
    const needCa = (ca: string, what: string) => {
        if (!have.caCerts.has(ca))
            problems.push(`${what}: no certificate PEM for CA "${ca}" (caCertPem)`);
    };

    const hubCas = fleet.pki.cas.filter((c) => c.verifiedIn.hubs).map((c) => c.name);
    const dpsCas = fleet.pki.cas.filter((c) => c.verifiedIn.dps).map((c) => c.name);
    hubCas.forEach((ca) => needCa(ca, `fleet.pki.cas "${ca}" (verified in hubs)`));
    dpsCas.forEach((ca) => needCa(ca, `fleet.pki.cas "${ca}" (verified in DPS)`));
    if (dpsCas.length > 0 && !fleet.dps)
        problems.push("fleet.pki.cas: a CA is verifiedIn dps, but the fleet has no dps");

    for (const g of fleet.enrollmentGroups) {
        if (g.attestation.type === "x509") {
            needCa(g.attestation.ca, `enrollment group "${g.name}"`);
            if (g.attestation.secondaryCa !== undefined)
                needCa(g.attestation.secondaryCa, `enrollment group "${g.name}"`);
        }
    }

    const plans = new Map<string, DevicePlan>();
    for (const d of fleet.devices) {
        const plan = devicePlan(d, fleet, have, problems);
        if (plan) plans.set(d.deviceId, plan);
    }

    // Nested edge: a child's identity takes its parent's device scope, so the parent must be
    // an identity declared here, on the same hub (a device scope is per hub).
    for (const p of plans.values()) {
        if (p.kind !== "hubIdentity" || p.parentDeviceId === undefined) continue;
        const parent = plans.get(p.parentDeviceId);
        if (!parent || parent.kind !== "hubIdentity") {
            problems.push(
                `device "${p.deviceId}": parent "${p.parentDeviceId}" must be a manual-x509 or manual-symmetric-key device of this fleet (its hub identity gives the child's parent scope)`,
            );
        } else if (parent.hub !== p.hub) {
            problems.push(
                `device "${p.deviceId}": parent "${p.parentDeviceId}" is on hub "${parent.hub}", not "${p.hub}"`,
            );
        }
    }
    // `disableLocalAuth` turns off SAS with the hub's shared access policies, which both the
    // DPS link (a policy connection string, FACTS.md §5 `iotHubs[].connectionString`) and our
    // registry resources (policy SAS, FACTS.md §4) authenticate with.
    for (const h of fleet.hubs.filter((x) => x.disableLocalAuth)) {
        if (fleet.dps?.links.some((l) => l.hub === h.name)) {
            problems.push(
                `hub "${h.name}": disableLocalAuth turns off the shared access policies DPS links the hub with (fleet.dps.links)`,
            );
        }
        const users = [...plans.values()].filter(
            (p) => p.kind === "hubIdentity" && p.hub === h.name,
        );
        if (users.length > 0) {
            problems.push(
                `hub "${h.name}": disableLocalAuth turns off the registry policy SAS that creates the identities of ${users.map((u) => `"${u.deviceId}"`).join(", ")}`,
            );
        }
    }
    const ordered = problems.length === 0 ? parentsFirst([...plans.values()], problems) : [];

    if (problems.length > 0) throw new CloudPlanError(problems);
    return { hubCas, dpsCas, enrollmentGroups: fleet.enrollmentGroups, devices: ordered };
}

function devicePlan(
    d: ResolvedDevice,
    fleet: ResolvedFleet,
    have: CertificateAvailability,
    problems: string[],
): DevicePlan | undefined {
    const id = d.deviceId;
    const p = d.provisioning;
    const individual = (
        attestation: IndividualKind,
        options?: ResolvedEnrollmentOptions,
    ): DevicePlan => ({
        kind: "individual",
        deviceId: id,
        registrationId: d.registrationId,
        attestation,
        options: options ?? missingOptions(id),
    });
    switch (p.method) {
        case "manual-x509": {
            // Seed 000 registers thumbprints ("X.509 Self-Signed"); CA-signed is the option.
            const authentication = p.authentication ?? "selfSigned"; // resolve.ts sets it
            if (authentication === "selfSigned") {
                if (!have.primaryThumbprint.has(id))
                    problems.push(
                        `device "${id}": manual-x509 selfSigned needs deviceCerts["${id}"].primaryThumbprint`,
                    );
                if (!have.secondaryThumbprint.has(id))
                    problems.push(
                        `device "${id}": manual-x509 selfSigned needs deviceCerts["${id}"].secondaryThumbprint (seed 000: two identity certificates)`,
                    );
            } else if (!fleet.pki.cas.some((c) => c.verifiedIn.hubs)) {
                problems.push(
                    `device "${id}": certificateAuthority authentication needs a CA verified in the hubs (fleet.pki.cas[].verifiedIn: ["hubs"])`,
                );
            }
            return {
                kind: "hubIdentity",
                deviceId: id,
                hub: p.hub,
                authentication,
                parentDeviceId: d.parentDeviceId,
            };
        }
        case "manual-symmetric-key":
            return {
                kind: "hubIdentity",
                deviceId: id,
                hub: p.hub,
                authentication: "sas",
                parentDeviceId: d.parentDeviceId,
            };
        case "manual-connection-string":
            return {
                kind: "external",
                deviceId: id,
                hub: p.hub,
                connectionStringSecret: p.connectionStringSecret,
            };
        case "dps-symmetric-key":
            if (p.individual) return individual("symmetricKey", p.individual);
            if (p.enrollmentGroup !== undefined) {
                return {
                    kind: "groupSymmetricKey",
                    deviceId: id,
                    registrationId: d.registrationId,
                    group: p.enrollmentGroup,
                };
            }
            break;
        case "dps-x509":
            if (p.individual) {
                if (!have.primaryCertPem.has(id))
                    problems.push(
                        `device "${id}": an individual X.509 enrollment needs deviceCerts["${id}"].primaryCertPem`,
                    );
                return individual("x509", p.individual);
            }
            if (p.enrollmentGroup !== undefined) {
                return {
                    kind: "groupX509",
                    deviceId: id,
                    registrationId: d.registrationId,
                    group: p.enrollmentGroup,
                };
            }
            break;
        case "dps-x509-est":
            return {
                kind: "groupX509",
                deviceId: id,
                registrationId: d.registrationId,
                group: p.enrollmentGroup,
            };
        case "dps-tpm":
            return {
                ...individual("tpm", p.individual),
                endorsementKey: p.endorsementKey,
            } as DevicePlan;
        default: {
            const _exhaustive: never = p;
            problems.push(
                `device "${id}": unknown provisioning method ${JSON.stringify(_exhaustive)}`,
            );
            return undefined;
        }
    }
    problems.push(`device "${id}": give exactly one of enrollmentGroup or individual`);
    return undefined;
}

/** Stable order with every parent identity before its children; reports cycles. */
function parentsFirst(plans: DevicePlan[], problems: string[]): DevicePlan[] {
    const byId = new Map(plans.map((p) => [p.deviceId, p]));
    const out: DevicePlan[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (p: DevicePlan, chain: string[]) => {
        const s = state.get(p.deviceId);
        if (s === "done") return;
        if (s === "visiting") {
            problems.push(
                `devices ${[...chain, p.deviceId].map((c) => `"${c}"`).join(" → ")}: parentDeviceId forms a cycle`,
            );
            return;
        }
        state.set(p.deviceId, "visiting");
        if (p.kind === "hubIdentity" && p.parentDeviceId !== undefined) {
            const parent = byId.get(p.parentDeviceId);
            if (parent) visit(parent, [...chain, p.deviceId]);
        }
        state.set(p.deviceId, "done");
        out.push(p);
    };
    plans.forEach((p) => visit(p, []));
    return out;
}
