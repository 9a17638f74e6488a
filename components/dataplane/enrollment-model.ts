/**
 * Pure mapping between the resource properties of `EnrollmentGroup` / `IndividualEnrollment`
 * and the DPS wire bodies (../shared/reference/dps-service-2021-10-01.json), plus their
 * validation. No Pulumi import: table-tested, and carried by the serialized providers.
 */
import * as crypto from "crypto";
import { symmetricKeyProblem, registrationIdProblem } from "./derive-key";
import type {
    AttestationMechanism,
    EnrollmentCommon,
    EnrollmentGroup,
    IndividualEnrollment,
    TwinCollection,
} from "./dps-client";

/** Connection properties every data-plane resource carries in its inputs and its state. */
export interface ConnectionProps {
    hostName: string;
    policyName: string;
    policyKey: string;
    endpoint?: string;
}

/** `AllocationPolicy` (spec enum; lower-case, unlike azure-native's `Hashed`, FACTS.md §5). */
export type AllocationPolicy = "hashed" | "geoLatency" | "static" | "custom";

/** A primary and optional secondary value (certificates, CA names). */
export interface PrimarySecondary {
    primary: string;
    secondary?: string;
}

/** Enrollment-group attestation (spec `AttestationMechanism`; groups sign, never hold leaves). */
export type GroupAttestation =
    | { type: "x509"; signingCertificates: PrimarySecondary }
    | { type: "x509CaReferences"; caReferences: PrimarySecondary }
    | { type: "symmetricKey" };

/** Individual-enrollment attestation (spec `AttestationMechanism`). */
export type IndividualAttestation =
    | { type: "x509"; clientCertificates: PrimarySecondary }
    | { type: "symmetricKey" }
    | { type: "tpm"; endorsementKey: string; storageRootKey?: string };

/** Options shared by both enrollment kinds (spec `EnrollmentGroup` / `IndividualEnrollment`). */
export interface EnrollmentOptionProps {
    /** Symmetric-key attestation only; omitted → DPS generates (read back as secret output). */
    primaryKey?: string;
    secondaryKey?: string;
    iotEdge?: boolean;
    initialTwin?: { tags?: TwinCollection; properties?: { desired?: TwinCollection } };
    provisioningStatus?: "enabled" | "disabled";
    reprovisionPolicy?: { updateHubAssignment: boolean; migrateDeviceData: boolean };
    allocationPolicy?: AllocationPolicy;
    iotHubs?: string[];
}

/** Resolved inputs of an `EnrollmentGroup` as its provider sees them. */
export interface EnrollmentGroupProps extends ConnectionProps, EnrollmentOptionProps {
    enrollmentGroupId: string;
    attestation: GroupAttestation;
}

/** Resolved inputs of an `IndividualEnrollment` as its provider sees them. */
export interface IndividualEnrollmentProps extends ConnectionProps, EnrollmentOptionProps {
    registrationId: string;
    deviceId?: string;
    attestation: IndividualAttestation;
}

/** What the service adds to the inputs in the state. */
export interface EnrollmentServiceOutputs {
    etag?: string;
    createdDateTimeUtc?: string;
    lastUpdatedDateTimeUtc?: string;
    /** SHA-256 thumbprints (upper hex) of the certificates as DPS reports them. */
    certificateThumbprints?: { primary?: string; secondary?: string };
}

export type EnrollmentGroupState = EnrollmentGroupProps & EnrollmentServiceOutputs;
export type IndividualEnrollmentState = IndividualEnrollmentProps & EnrollmentServiceOutputs;

/** Upper-hex SHA-256 of the DER inside a PEM certificate (what DPS reports as sha256Thumbprint). */
export function pemSha256Thumbprint(pem: string): string {
    const body = pem
        .replace(/-----BEGIN CERTIFICATE-----/, "")
        .replace(/-----END CERTIFICATE-----[\s\S]*$/, "")
        .replace(/\s+/g, "");
    return crypto
        .createHash("sha256")
        .update(Buffer.from(body, "base64"))
        .digest("hex")
        .toUpperCase();
}

const PEM = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*$/;

function checkPem(
    path: string,
    pem: string | undefined,
    problems: string[],
    required: boolean,
): void {
    if (pem === undefined) {
        if (required) {
            problems.push(`${path}: a PEM certificate is required`);
        }
        return;
    }
    // The spec: `certificate` is a "PEM-formatted certificate string" (FACTS.md §3).
    if (!PEM.test(pem.trim() + "\n")) {
        problems.push(`${path}: must be one PEM certificate (-----BEGIN CERTIFICATE----- …)`);
    }
}

function checkKeys(props: EnrollmentOptionProps, symmetric: boolean, problems: string[]): void {
    for (const name of ["primaryKey", "secondaryKey"] as const) {
        const key = props[name];
        if (key === undefined) {
            continue;
        }
        if (!symmetric) {
            problems.push(`${name}: only allowed with symmetricKey attestation`);
            continue;
        }
        // Symmetric keys must be base64 of 16–64 bytes (FACTS.md §3). Never echo the key.
        const problem = symmetricKeyProblem(key);
        if (problem !== undefined) {
            problems.push(`${name}: ${problem}`);
        }
    }
    if (symmetric && (props.primaryKey === undefined) !== (props.secondaryKey === undefined)) {
        problems.push("primaryKey/secondaryKey: give both keys or neither (DPS generates both)");
    }
}

function checkOptions(props: EnrollmentOptionProps, problems: string[]): void {
    const policies: AllocationPolicy[] = ["hashed", "geoLatency", "static", "custom"];
    if (props.allocationPolicy !== undefined && !policies.includes(props.allocationPolicy)) {
        problems.push(
            `allocationPolicy: must be one of ${policies.join(", ")} (spec AllocationPolicy)`,
        );
    }
    if (props.allocationPolicy === "custom") {
        // The spec then needs customAllocationDefinition (webhook), which we do not model yet.
        problems.push("allocationPolicy: 'custom' needs a webhook definition, not supported here");
    }
    if (
        props.allocationPolicy === "static" &&
        props.iotHubs !== undefined &&
        props.iotHubs.length !== 1
    ) {
        problems.push("iotHubs: the static allocation policy takes exactly one hub");
    }
    for (const [i, hub] of (props.iotHubs ?? []).entries()) {
        if (!/^[A-Za-z0-9.-]+$/.test(hub)) {
            problems.push(`iotHubs[${i}]: '${hub}' is not a host name`);
        }
    }
    const status = props.provisioningStatus;
    if (status !== undefined && status !== "enabled" && status !== "disabled") {
        problems.push("provisioningStatus: must be 'enabled' or 'disabled'");
    }
}

function checkConnection(props: ConnectionProps, problems: string[]): void {
    if (!props.hostName) {
        problems.push(
            "hostName: required (the DPS service host, e.g. mydps.azure-devices-provisioning.net)",
        );
    }
    if (!props.policyName) {
        problems.push("policyName: required (e.g. provisioningserviceowner)");
    }
    if (!props.policyKey) {
        problems.push("policyKey: required");
    }
}

/** Every problem with an enrollment group's properties, with the property path. */
export function validateEnrollmentGroup(props: EnrollmentGroupProps): string[] {
    const problems: string[] = [];
    checkConnection(props, problems);
    // Enrollment group IDs follow the registration ID rules in practice (alnum + - . _ :).
    const idProblem = registrationIdProblem(props.enrollmentGroupId ?? "");
    if (idProblem !== undefined) {
        problems.push(`enrollmentGroupId: ${idProblem}`);
    }
    const att = props.attestation;
    switch (att?.type) {
        case "x509":
            checkPem(
                "attestation.signingCertificates.primary",
                att.signingCertificates?.primary,
                problems,
                true,
            );
            checkPem(
                "attestation.signingCertificates.secondary",
                att.signingCertificates?.secondary,
                problems,
                false,
            );
            break;
        case "x509CaReferences":
            if (!att.caReferences?.primary) {
                problems.push(
                    "attestation.caReferences.primary: a CA certificate name is required",
                );
            }
            break;
        case "symmetricKey":
            break;
        default:
            problems.push("attestation.type: must be x509, x509CaReferences or symmetricKey");
    }
    checkKeys(props, att?.type === "symmetricKey", problems);
    checkOptions(props, problems);
    return problems;
}

/** Every problem with an individual enrollment's properties, with the property path. */
export function validateIndividualEnrollment(props: IndividualEnrollmentProps): string[] {
    const problems: string[] = [];
    checkConnection(props, problems);
    const idProblem = registrationIdProblem(props.registrationId ?? "");
    if (idProblem !== undefined) {
        problems.push(`registrationId: ${idProblem}`);
    }
    const att = props.attestation;
    switch (att?.type) {
        case "x509":
            checkPem(
                "attestation.clientCertificates.primary",
                att.clientCertificates?.primary,
                problems,
                true,
            );
            checkPem(
                "attestation.clientCertificates.secondary",
                att.clientCertificates?.secondary,
                problems,
                false,
            );
            break;
        case "tpm":
            if (!att.endorsementKey) {
                problems.push("attestation.endorsementKey: required for TPM attestation");
            }
            break;
        case "symmetricKey":
            break;
        default:
            problems.push("attestation.type: must be x509, symmetricKey or tpm");
    }
    checkKeys(props, att?.type === "symmetricKey", problems);
    checkOptions(props, problems);
    return problems;
}

function certs(pair: PrimarySecondary) {
    return {
        primary: { certificate: pair.primary },
        ...(pair.secondary !== undefined ? { secondary: { certificate: pair.secondary } } : {}),
    };
}

function symmetricKeyBody(props: EnrollmentOptionProps): AttestationMechanism {
    // No keys → empty object: DPS generates both (FACTS.md §3, SymmetricKeyAttestation).
    return {
        type: "symmetricKey",
        symmetricKey:
            props.primaryKey !== undefined
                ? { primaryKey: props.primaryKey, secondaryKey: props.secondaryKey }
                : {},
    };
}

/** Spec `AttestationMechanism` for a group. */
export function groupAttestationBody(props: EnrollmentGroupProps): AttestationMechanism {
    const att = props.attestation;
    switch (att.type) {
        case "x509":
            return { type: "x509", x509: { signingCertificates: certs(att.signingCertificates) } };
        case "x509CaReferences":
            return {
                type: "x509",
                x509: {
                    caReferences: {
                        primary: att.caReferences.primary,
                        ...(att.caReferences.secondary !== undefined
                            ? { secondary: att.caReferences.secondary }
                            : {}),
                    },
                },
            };
        case "symmetricKey":
            return symmetricKeyBody(props);
        default: {
            const _exhaustive: never = att;
            throw new Error(`unknown attestation ${JSON.stringify(_exhaustive)}`);
        }
    }
}

/** Spec `AttestationMechanism` for an individual enrollment. */
export function individualAttestationBody(props: IndividualEnrollmentProps): AttestationMechanism {
    const att = props.attestation;
    switch (att.type) {
        case "x509":
            return { type: "x509", x509: { clientCertificates: certs(att.clientCertificates) } };
        case "tpm":
            return {
                type: "tpm",
                tpm: {
                    endorsementKey: att.endorsementKey,
                    ...(att.storageRootKey !== undefined
                        ? { storageRootKey: att.storageRootKey }
                        : {}),
                },
            };
        case "symmetricKey":
            return symmetricKeyBody(props);
        default: {
            const _exhaustive: never = att;
            throw new Error(`unknown attestation ${JSON.stringify(_exhaustive)}`);
        }
    }
}

function commonBody(props: EnrollmentOptionProps): Omit<EnrollmentCommon, "attestation"> {
    const body: Omit<EnrollmentCommon, "attestation"> = {
        // DeviceCapabilities.iotEdge is required inside the object (spec); default false.
        capabilities: { iotEdge: props.iotEdge ?? false },
        provisioningStatus: props.provisioningStatus ?? "enabled",
    };
    if (props.initialTwin !== undefined) {
        body.initialTwin = {
            ...(props.initialTwin.tags !== undefined ? { tags: props.initialTwin.tags } : {}),
            ...(props.initialTwin.properties !== undefined
                ? { properties: { ...props.initialTwin.properties } }
                : {}),
        };
    }
    if (props.reprovisionPolicy !== undefined) {
        // Both fields are required in the object (spec ReprovisionPolicy).
        body.reprovisionPolicy = {
            updateHubAssignment: props.reprovisionPolicy.updateHubAssignment,
            migrateDeviceData: props.reprovisionPolicy.migrateDeviceData,
        };
    }
    if (props.allocationPolicy !== undefined) {
        body.allocationPolicy = props.allocationPolicy;
    }
    if (props.iotHubs !== undefined) {
        body.iotHubs = [...props.iotHubs];
    }
    return body;
}

/**
 * The PUT body for an enrollment group: only spec properties, no read-only ones
 * (`createdDateTimeUtc`, `lastUpdatedDateTimeUtc`) and no `etag` (sent as If-Match).
 */
export function toEnrollmentGroupBody(props: EnrollmentGroupProps): EnrollmentGroup {
    return {
        enrollmentGroupId: props.enrollmentGroupId,
        attestation: groupAttestationBody(props),
        ...commonBody(props),
    };
}

/** The PUT body for an individual enrollment (same rules as {@link toEnrollmentGroupBody}). */
export function toIndividualEnrollmentBody(props: IndividualEnrollmentProps): IndividualEnrollment {
    return {
        registrationId: props.registrationId,
        ...(props.deviceId !== undefined ? { deviceId: props.deviceId } : {}),
        attestation: individualAttestationBody(props),
        ...commonBody(props),
    };
}

function thumbprintsOf(
    x509: AttestationMechanism["x509"],
): EnrollmentServiceOutputs["certificateThumbprints"] {
    const pair = x509?.signingCertificates ?? x509?.clientCertificates;
    if (pair === undefined) {
        return undefined;
    }
    const of = (c: { certificate?: string; info?: Record<string, unknown> } | undefined) => {
        const info = c?.info?.sha256Thumbprint;
        if (typeof info === "string") {
            return info.toUpperCase();
        }
        return c?.certificate ? pemSha256Thumbprint(c.certificate) : undefined;
    };
    const out: { primary?: string; secondary?: string } = {};
    const primary = of(pair.primary);
    const secondary = of(pair.secondary);
    if (primary !== undefined) out.primary = primary;
    if (secondary !== undefined) out.secondary = secondary;
    return out;
}

/**
 * The PEM to keep in state for a certificate DPS reports: DPS returns only `info` (thumbprints)
 * for uploaded certificates, not the PEM; if the thumbprint still matches what we hold, keep our
 * PEM, else record that it changed so the next diff shows it and `up` puts ours back.
 */
function readBackPem(
    served: { certificate?: string; info?: Record<string, unknown> } | undefined,
    prior: string | undefined,
): string | undefined {
    if (served === undefined) {
        return undefined;
    }
    if (typeof served.certificate === "string" && served.certificate.length > 0) {
        return served.certificate;
    }
    const thumb = served.info?.sha256Thumbprint;
    if (
        prior !== undefined &&
        (typeof thumb !== "string" || thumb.toUpperCase() === pemSha256Thumbprint(prior))
    ) {
        return prior;
    }
    return `(changed outside Pulumi: sha256 ${String(thumb)})`;
}

function readBackPair(
    served: {
        primary?: { certificate?: string; info?: Record<string, unknown> };
        secondary?: { certificate?: string; info?: Record<string, unknown> };
    },
    prior: PrimarySecondary | undefined,
): PrimarySecondary {
    const primary = readBackPem(served.primary, prior?.primary) ?? "";
    const secondary = readBackPem(served.secondary, prior?.secondary);
    return secondary !== undefined ? { primary, secondary } : { primary };
}

/** Option properties as DPS reports them, in our input shape. */
function optionsFromBody(body: EnrollmentCommon): EnrollmentOptionProps & EnrollmentServiceOutputs {
    const out: EnrollmentOptionProps & EnrollmentServiceOutputs = {
        iotEdge: body.capabilities?.iotEdge ?? false,
        provisioningStatus: body.provisioningStatus ?? "enabled",
    };
    if (body.attestation?.symmetricKey !== undefined) {
        if (body.attestation.symmetricKey.primaryKey !== undefined)
            out.primaryKey = body.attestation.symmetricKey.primaryKey;
        if (body.attestation.symmetricKey.secondaryKey !== undefined)
            out.secondaryKey = body.attestation.symmetricKey.secondaryKey;
    }
    const twin = body.initialTwin;
    if (
        twin !== undefined &&
        twin !== null &&
        (twin.tags !== undefined || twin.properties !== undefined)
    ) {
        out.initialTwin = {
            ...(twin.tags !== undefined ? { tags: twin.tags } : {}),
            ...(twin.properties !== undefined ? { properties: twin.properties } : {}),
        };
    }
    if (body.reprovisionPolicy !== undefined) out.reprovisionPolicy = body.reprovisionPolicy;
    if (body.allocationPolicy !== undefined) out.allocationPolicy = body.allocationPolicy;
    if (body.iotHubs !== undefined) out.iotHubs = body.iotHubs;
    if (body.etag !== undefined) out.etag = body.etag;
    if (body.createdDateTimeUtc !== undefined) out.createdDateTimeUtc = body.createdDateTimeUtc;
    if (body.lastUpdatedDateTimeUtc !== undefined)
        out.lastUpdatedDateTimeUtc = body.lastUpdatedDateTimeUtc;
    const thumbs = thumbprintsOf(body.attestation?.x509);
    if (thumbs !== undefined) out.certificateThumbprints = thumbs;
    return out;
}

function connectionOf(c: ConnectionProps): ConnectionProps {
    return {
        hostName: c.hostName,
        policyName: c.policyName,
        policyKey: c.policyKey,
        ...(c.endpoint !== undefined ? { endpoint: c.endpoint } : {}),
    };
}

/**
 * State of an enrollment group from what DPS returned, keeping the connection properties and,
 * where DPS does not echo them (certificate PEMs), what we held before.
 */
export function enrollmentGroupStateFromBody(
    body: EnrollmentGroup,
    prior: ConnectionProps & Partial<EnrollmentGroupProps>,
): EnrollmentGroupState {
    const x509 = body.attestation?.x509;
    let attestation: GroupAttestation;
    if (body.attestation?.type === "x509" && x509?.caReferences !== undefined) {
        const ca = x509.caReferences;
        attestation = {
            type: "x509CaReferences",
            caReferences:
                ca.secondary !== undefined
                    ? { primary: ca.primary ?? "", secondary: ca.secondary }
                    : { primary: ca.primary ?? "" },
        };
    } else if (body.attestation?.type === "x509") {
        const priorCerts =
            prior.attestation?.type === "x509" ? prior.attestation.signingCertificates : undefined;
        attestation = {
            type: "x509",
            signingCertificates: readBackPair(x509?.signingCertificates ?? {}, priorCerts),
        };
    } else {
        attestation = { type: "symmetricKey" };
    }
    return {
        ...connectionOf(prior),
        enrollmentGroupId: body.enrollmentGroupId,
        attestation,
        ...optionsFromBody(body),
    };
}

/** State of an individual enrollment from what DPS returned (see the group variant). */
export function individualEnrollmentStateFromBody(
    body: IndividualEnrollment,
    prior: ConnectionProps & Partial<IndividualEnrollmentProps>,
): IndividualEnrollmentState {
    let attestation: IndividualAttestation;
    const att = body.attestation;
    if (att?.type === "x509") {
        const priorCerts =
            prior.attestation?.type === "x509" ? prior.attestation.clientCertificates : undefined;
        attestation = {
            type: "x509",
            clientCertificates: readBackPair(att.x509?.clientCertificates ?? {}, priorCerts),
        };
    } else if (att?.type === "tpm") {
        attestation = {
            type: "tpm",
            endorsementKey: att.tpm?.endorsementKey ?? "",
            ...(att.tpm?.storageRootKey !== undefined
                ? { storageRootKey: att.tpm.storageRootKey }
                : {}),
        };
    } else {
        attestation = { type: "symmetricKey" };
    }
    return {
        ...connectionOf(prior),
        registrationId: body.registrationId,
        ...(body.deviceId !== undefined && body.deviceId !== null
            ? { deviceId: body.deviceId }
            : {}),
        attestation,
        ...optionsFromBody(body),
    };
}
