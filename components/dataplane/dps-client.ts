/**
 * Typed client for the DPS service API, api-version 2021-10-01
 * (../shared/reference/dps-service-2021-10-01.json; FACTS.md §3): enrollment groups and
 * individual enrollments, PUT / GET / DELETE.
 */
import { RestClient, RestOptions, ServiceConnection } from "./rest";

/** api-version of the spec we follow (FACTS.md §3; the Node SDK uses the same). */
export const DPS_API_VERSION = "2021-10-01";

/** `X509CertificateWithInfo` (spec): `certificate` is a PEM string; `info` is read-only. */
export interface X509CertificateWithInfo {
    certificate?: string;
    info?: Record<string, unknown>;
}

/** `X509Certificates` (spec). */
export interface X509Certificates {
    primary?: X509CertificateWithInfo;
    secondary?: X509CertificateWithInfo;
}

/** `AttestationMechanism` (spec). */
export interface AttestationMechanism {
    type: "none" | "tpm" | "x509" | "symmetricKey";
    tpm?: { endorsementKey: string; storageRootKey?: string };
    x509?: {
        clientCertificates?: X509Certificates;
        signingCertificates?: X509Certificates;
        caReferences?: { primary?: string; secondary?: string };
    };
    symmetricKey?: { primaryKey?: string; secondaryKey?: string };
}

/** `TwinCollection` (spec): free-form JSON object. */
export type TwinCollection = Record<string, unknown>;

/** Fields shared by `EnrollmentGroup` and `IndividualEnrollment` (spec). */
export interface EnrollmentCommon {
    attestation: AttestationMechanism;
    capabilities?: { iotEdge: boolean };
    iotHubHostName?: string;
    initialTwin?: { tags?: TwinCollection; properties?: { desired?: TwinCollection } };
    etag?: string;
    provisioningStatus?: "enabled" | "disabled";
    reprovisionPolicy?: { updateHubAssignment: boolean; migrateDeviceData: boolean };
    createdDateTimeUtc?: string;
    lastUpdatedDateTimeUtc?: string;
    allocationPolicy?: "hashed" | "geoLatency" | "static" | "custom";
    iotHubs?: string[];
    customAllocationDefinition?: { webhookUrl: string; apiVersion: string };
}

/** `EnrollmentGroup` (spec; required: enrollmentGroupId, attestation). */
export interface EnrollmentGroup extends EnrollmentCommon {
    enrollmentGroupId: string;
}

/** `IndividualEnrollment` (spec; required: registrationId, attestation). */
export interface IndividualEnrollment extends EnrollmentCommon {
    registrationId: string;
    deviceId?: string;
    optionalDeviceInformation?: TwinCollection;
    registrationState?: Record<string, unknown>;
}

/** Keys in an attestation, to scrub from error text. */
function attestationSecrets(att: AttestationMechanism | undefined): Array<string | undefined> {
    return [att?.symmetricKey?.primaryKey, att?.symmetricKey?.secondaryKey];
}

/**
 * DPS enrollment operations. ETags are sent in `If-Match` verbatim as DPS returned them (the
 * Node SDK copies `enrollment.etag` unchanged; FACTS.md §3).
 */
export class DpsClient {
    private readonly rest: RestClient;

    constructor(connection: ServiceConnection, options: RestOptions = {}) {
        this.rest = new RestClient(connection, options);
    }

    /** GET /enrollmentGroups/{id}; undefined when it does not exist (404). */
    async getEnrollmentGroup(id: string): Promise<EnrollmentGroup | undefined> {
        return (await this.get(
            `/enrollmentGroups/${encodeURIComponent(id)}`,
            `GET enrollment group '${id}'`,
        )) as EnrollmentGroup | undefined;
    }

    /** PUT /enrollmentGroups/{id}; `ifMatch` = the etag last read (omit to create). */
    async putEnrollmentGroup(group: EnrollmentGroup, ifMatch?: string): Promise<EnrollmentGroup> {
        const res = await this.rest.send({
            method: "PUT",
            path: `/enrollmentGroups/${encodeURIComponent(group.enrollmentGroupId)}`,
            apiVersion: DPS_API_VERSION,
            operation: `PUT enrollment group '${group.enrollmentGroupId}'`,
            body: group,
            ifMatch,
            redact: attestationSecrets(group.attestation),
        });
        return res.body as EnrollmentGroup;
    }

    /** DELETE /enrollmentGroups/{id}; succeeds if it is already gone. */
    async deleteEnrollmentGroup(id: string, ifMatch?: string): Promise<void> {
        await this.delete(
            `/enrollmentGroups/${encodeURIComponent(id)}`,
            ifMatch,
            `DELETE enrollment group '${id}'`,
        );
    }

    /** GET /enrollments/{id}; undefined when it does not exist (404). */
    async getIndividualEnrollment(id: string): Promise<IndividualEnrollment | undefined> {
        return (await this.get(
            `/enrollments/${encodeURIComponent(id)}`,
            `GET individual enrollment '${id}'`,
        )) as IndividualEnrollment | undefined;
    }

    /** PUT /enrollments/{id}; `ifMatch` = the etag last read (omit to create). */
    async putIndividualEnrollment(
        enrollment: IndividualEnrollment,
        ifMatch?: string,
    ): Promise<IndividualEnrollment> {
        const res = await this.rest.send({
            method: "PUT",
            path: `/enrollments/${encodeURIComponent(enrollment.registrationId)}`,
            apiVersion: DPS_API_VERSION,
            operation: `PUT individual enrollment '${enrollment.registrationId}'`,
            body: enrollment,
            ifMatch,
            redact: attestationSecrets(enrollment.attestation),
        });
        return res.body as IndividualEnrollment;
    }

    /** DELETE /enrollments/{id}; succeeds if it is already gone. */
    async deleteIndividualEnrollment(id: string, ifMatch?: string): Promise<void> {
        await this.delete(
            `/enrollments/${encodeURIComponent(id)}`,
            ifMatch,
            `DELETE individual enrollment '${id}'`,
        );
    }

    private async get(path: string, operation: string): Promise<unknown> {
        const res = await this.rest.send(
            { method: "GET", path, apiVersion: DPS_API_VERSION, operation },
            true,
        );
        return res.status === 404 ? undefined : res.body;
    }

    private async delete(
        path: string,
        ifMatch: string | undefined,
        operation: string,
    ): Promise<void> {
        await this.rest.send(
            { method: "DELETE", path, apiVersion: DPS_API_VERSION, operation, ifMatch },
            true,
        );
    }
}
