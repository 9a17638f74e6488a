/**
 * `pulumi.dynamic.ResourceProvider`s for the DPS enrollments and hub device identities.
 *
 * Serialization: the engine serializes each provider with `serializeFunction` (closure capture
 * by value of everything the methods reach; node_modules are re-`require`d by name). So these
 * classes hold only plain options, reach only the pure modules of this folder (sas, rest,
 * clients, models, diff; node:crypto and global fetch), and import Pulumi for types only.
 * test/dataplane/serialization.test.ts loads the serialized text in a fresh process to prove it.
 *
 * Secrets: inputs arrive with secrets unwrapped; nothing here logs, and every error comes from
 * `DataPlaneError` (redacted) or from validation messages that never echo values.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DpsClient } from "./dps-client";
import { HubRegistryClient } from "./hub-client";
import { isDataPlaneError, RestOptions } from "./rest";
import {
    diffDeviceIdentity,
    diffEnrollmentGroup,
    diffIndividualEnrollment,
    DiffOutcome,
} from "./diff";
import {
    ConnectionProps,
    EnrollmentGroupProps,
    EnrollmentGroupState,
    enrollmentGroupStateFromBody,
    IndividualEnrollmentProps,
    IndividualEnrollmentState,
    individualEnrollmentStateFromBody,
    toEnrollmentGroupBody,
    toIndividualEnrollmentBody,
    validateEnrollmentGroup,
    validateIndividualEnrollment,
} from "./enrollment-model";
import {
    deviceStateFromBody,
    DeviceIdentityProps,
    DeviceIdentityState,
    toDeviceBody,
    validateDeviceIdentity,
} from "./device-model";

/** Pulumi's sentinel for values unknown during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Validation problems as check failures, skipping properties still unknown in a preview. */
export function checkFailures(
    news: Record<string, unknown>,
    problems: string[],
): pulumi.dynamic.CheckFailure[] {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    for (const problem of problems) {
        const path = problem.slice(0, problem.indexOf(":"));
        const property = path.split(/[.[/]/)[0];
        if (JSON.stringify(news[property] ?? null).includes(UNKNOWN)) {
            continue;
        }
        failures.push({ property, reason: problem });
    }
    return failures;
}

function connectionOf(p: ConnectionProps): ConnectionProps {
    return {
        hostName: p.hostName,
        policyName: p.policyName,
        policyKey: p.policyKey,
        ...(p.endpoint !== undefined ? { endpoint: p.endpoint } : {}),
    };
}

/** Turns a 412 into advice; passes everything else through. */
function explainConflict(err: unknown, what: string): never {
    if (isDataPlaneError(err) && err.status === 412) {
        throw new Error(
            `${what} was changed outside Pulumi since it was last read (ETag mismatch, HTTP 412` +
                `${err.trackingId ? `, tracking ID ${err.trackingId}` : ""}). ` +
                "Run `pulumi refresh` to read its current state, then `pulumi up` again.",
        );
    }
    throw err;
}

function alreadyExists(what: string): Error {
    return new Error(
        `${what} already exists. Adopt it with \`pulumi import\` (or the \`import\` resource ` +
            "option) using its id, or delete it first; create never overwrites.",
    );
}

function toDiffResult(d: DiffOutcome): pulumi.dynamic.DiffResult {
    return {
        changes: d.changes,
        replaces: d.replaces,
        deleteBeforeReplace: d.deleteBeforeReplace,
    };
}

/** Props to PUT on update: the new inputs, plus what "omitted = keep" fields hold now. */
function enrollmentUpdateProps<T extends EnrollmentGroupProps | IndividualEnrollmentProps>(
    olds: T,
    news: T,
): T {
    const merged: T = { ...news };
    const keepKeys =
        news.attestation.type === "symmetricKey" &&
        olds.attestation?.type === "symmetricKey" &&
        news.primaryKey === undefined;
    if (keepKeys) {
        merged.primaryKey = olds.primaryKey;
        merged.secondaryKey = olds.secondaryKey;
    }
    merged.initialTwin = news.initialTwin ?? olds.initialTwin;
    merged.allocationPolicy = news.allocationPolicy ?? olds.allocationPolicy;
    merged.iotHubs = news.iotHubs ?? olds.iotHubs;
    return merged;
}

/** Provider of `EnrollmentGroup` (DPS `/enrollmentGroups/{id}`). */
export class EnrollmentGroupProvider implements pulumi.dynamic.ResourceProvider {
    /** @param options retry tuning and test seams (sleep, clock) for the REST client. */
    constructor(private readonly options: RestOptions = {}) {}

    private client(c: ConnectionProps): DpsClient {
        return new DpsClient(connectionOf(c), this.options);
    }

    async check(_olds: unknown, news: EnrollmentGroupProps): Promise<pulumi.dynamic.CheckResult> {
        return {
            inputs: news,
            failures: checkFailures({ ...news }, validateEnrollmentGroup(news)),
        };
    }

    async diff(
        _id: string,
        olds: EnrollmentGroupState,
        news: EnrollmentGroupProps,
    ): Promise<pulumi.dynamic.DiffResult> {
        return toDiffResult(diffEnrollmentGroup(olds, news));
    }

    async create(inputs: EnrollmentGroupProps): Promise<pulumi.dynamic.CreateResult> {
        const problems = validateEnrollmentGroup(inputs);
        if (problems.length > 0)
            throw new Error(`invalid enrollment group: ${problems.join("; ")}`);
        const client = this.client(inputs);
        const what = `enrollment group '${inputs.enrollmentGroupId}'`;
        if ((await client.getEnrollmentGroup(inputs.enrollmentGroupId)) !== undefined) {
            throw alreadyExists(what);
        }
        const created = await client.putEnrollmentGroup(toEnrollmentGroupBody(inputs));
        return {
            id: inputs.enrollmentGroupId,
            outs: enrollmentGroupStateFromBody(created, inputs),
        };
    }

    async read(id: string, props: EnrollmentGroupState): Promise<pulumi.dynamic.ReadResult> {
        const group = await this.client(props).getEnrollmentGroup(id);
        if (group === undefined) {
            return { id: "", props: {} };
        }
        const state = enrollmentGroupStateFromBody(group, props);
        return { id, props: state };
    }

    async update(
        id: string,
        olds: EnrollmentGroupState,
        news: EnrollmentGroupProps,
    ): Promise<pulumi.dynamic.UpdateResult> {
        const d = diffEnrollmentGroup(olds, news);
        if (d.connectionOnly) {
            return { outs: { ...olds, ...connectionOf(news) } };
        }
        const merged = enrollmentUpdateProps(olds, news);
        try {
            const updated = await this.client(news).putEnrollmentGroup(
                toEnrollmentGroupBody(merged),
                olds.etag,
            );
            return { outs: enrollmentGroupStateFromBody(updated, merged) };
        } catch (err) {
            return explainConflict(err, `enrollment group '${id}'`);
        }
    }

    async delete(id: string, props: EnrollmentGroupState): Promise<void> {
        try {
            await this.client(props).deleteEnrollmentGroup(id, props.etag);
        } catch (err) {
            explainConflict(err, `enrollment group '${id}'`);
        }
    }
}

/** Provider of `IndividualEnrollment` (DPS `/enrollments/{registrationId}`). */
export class IndividualEnrollmentProvider implements pulumi.dynamic.ResourceProvider {
    /** @param options retry tuning and test seams (sleep, clock) for the REST client. */
    constructor(private readonly options: RestOptions = {}) {}

    private client(c: ConnectionProps): DpsClient {
        return new DpsClient(connectionOf(c), this.options);
    }

    async check(
        _olds: unknown,
        news: IndividualEnrollmentProps,
    ): Promise<pulumi.dynamic.CheckResult> {
        return {
            inputs: news,
            failures: checkFailures({ ...news }, validateIndividualEnrollment(news)),
        };
    }

    async diff(
        _id: string,
        olds: IndividualEnrollmentState,
        news: IndividualEnrollmentProps,
    ): Promise<pulumi.dynamic.DiffResult> {
        return toDiffResult(diffIndividualEnrollment(olds, news));
    }

    async create(inputs: IndividualEnrollmentProps): Promise<pulumi.dynamic.CreateResult> {
        const problems = validateIndividualEnrollment(inputs);
        if (problems.length > 0)
            throw new Error(`invalid individual enrollment: ${problems.join("; ")}`);
        const client = this.client(inputs);
        const what = `individual enrollment '${inputs.registrationId}'`;
        if ((await client.getIndividualEnrollment(inputs.registrationId)) !== undefined) {
            throw alreadyExists(what);
        }
        const created = await client.putIndividualEnrollment(toIndividualEnrollmentBody(inputs));
        return {
            id: inputs.registrationId,
            outs: individualEnrollmentStateFromBody(created, inputs),
        };
    }

    async read(id: string, props: IndividualEnrollmentState): Promise<pulumi.dynamic.ReadResult> {
        const enrollment = await this.client(props).getIndividualEnrollment(id);
        if (enrollment === undefined) {
            return { id: "", props: {} };
        }
        return { id, props: individualEnrollmentStateFromBody(enrollment, props) };
    }

    async update(
        id: string,
        olds: IndividualEnrollmentState,
        news: IndividualEnrollmentProps,
    ): Promise<pulumi.dynamic.UpdateResult> {
        const d = diffIndividualEnrollment(olds, news);
        if (d.connectionOnly) {
            return { outs: { ...olds, ...connectionOf(news) } };
        }
        const merged = enrollmentUpdateProps(olds, news);
        merged.deviceId = news.deviceId ?? olds.deviceId;
        try {
            const updated = await this.client(news).putIndividualEnrollment(
                toIndividualEnrollmentBody(merged),
                olds.etag,
            );
            return { outs: individualEnrollmentStateFromBody(updated, merged) };
        } catch (err) {
            return explainConflict(err, `individual enrollment '${id}'`);
        }
    }

    async delete(id: string, props: IndividualEnrollmentState): Promise<void> {
        try {
            await this.client(props).deleteIndividualEnrollment(id, props.etag);
        } catch (err) {
            explainConflict(err, `individual enrollment '${id}'`);
        }
    }
}

/** Provider of `HubDeviceIdentity` (IoT Hub `/devices/{id}`). */
export class HubDeviceIdentityProvider implements pulumi.dynamic.ResourceProvider {
    /** @param options retry tuning and test seams (sleep, clock) for the REST client. */
    constructor(private readonly options: RestOptions = {}) {}

    private client(c: ConnectionProps): HubRegistryClient {
        return new HubRegistryClient(connectionOf(c), this.options);
    }

    async check(_olds: unknown, news: DeviceIdentityProps): Promise<pulumi.dynamic.CheckResult> {
        return { inputs: news, failures: checkFailures({ ...news }, validateDeviceIdentity(news)) };
    }

    async diff(
        _id: string,
        olds: DeviceIdentityState,
        news: DeviceIdentityProps,
    ): Promise<pulumi.dynamic.DiffResult> {
        return toDiffResult(diffDeviceIdentity(olds, news));
    }

    async create(inputs: DeviceIdentityProps): Promise<pulumi.dynamic.CreateResult> {
        const problems = validateDeviceIdentity(inputs);
        if (problems.length > 0) throw new Error(`invalid device identity: ${problems.join("; ")}`);
        const client = this.client(inputs);
        if ((await client.getDevice(inputs.deviceId)) !== undefined) {
            throw alreadyExists(`device identity '${inputs.deviceId}'`);
        }
        const created = await client.putDevice(toDeviceBody(inputs));
        return { id: inputs.deviceId, outs: deviceStateFromBody(created, inputs) };
    }

    async read(id: string, props: DeviceIdentityState): Promise<pulumi.dynamic.ReadResult> {
        const device = await this.client(props).getDevice(id);
        if (device === undefined) {
            return { id: "", props: {} };
        }
        return { id, props: deviceStateFromBody(device, props) };
    }

    async update(
        id: string,
        olds: DeviceIdentityState,
        news: DeviceIdentityProps,
    ): Promise<pulumi.dynamic.UpdateResult> {
        const d = diffDeviceIdentity(olds, news);
        if (d.connectionOnly) {
            return { outs: { ...olds, ...connectionOf(news) } };
        }
        const merged: DeviceIdentityProps = { ...news };
        const sas = (news.authentication?.type ?? "sas") === "sas";
        const wasSas = (olds.authentication?.type ?? "sas") === "sas";
        if (sas && wasSas && news.primaryKey === undefined) {
            // Keep the hub-generated keys rather than have them regenerated.
            merged.primaryKey = olds.primaryKey;
            merged.secondaryKey = olds.secondaryKey;
        }
        try {
            const updated = await this.client(news).putDevice(
                toDeviceBody(merged, olds),
                olds.etag,
            );
            return { outs: deviceStateFromBody(updated, news) };
        } catch (err) {
            return explainConflict(err, `device identity '${id}'`);
        }
    }

    async delete(id: string, props: DeviceIdentityState): Promise<void> {
        try {
            await this.client(props).deleteDevice(id, props.etag);
        } catch (err) {
            explainConflict(err, `device identity '${id}'`);
        }
    }
}
