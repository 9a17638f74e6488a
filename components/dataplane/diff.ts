/**
 * Pure diff logic of the data-plane dynamic resources: what changed, and whether it updates in
 * place or replaces. No Pulumi import; table-tested.
 *
 * Rules:
 * - The record's id (enrollmentGroupId, registrationId, deviceId) and the service host replace:
 *   PUT to another path/host is another record. Host names compare case-insensitively.
 * - Connection-only changes (policyName, policyKey, endpoint) are updates that touch nothing in
 *   the service (the provider just stores them).
 * - Everything else updates in place with PUT + If-Match.
 * - A replacement that lands on the same record (same host, id differing only in case, as DPS
 *   IDs are case-insensitive: dps-service-2021-10-01.json registrationId) must delete first:
 *   create-before-delete would overwrite the record and then delete it.
 * - Optional fields without a spec default (initialTwin, allocationPolicy, iotHubs, deviceId,
 *   symmetric keys) left out of the inputs mean "keep what the service has": not a change.
 *   Fields with a spec default compare against it (iotEdge false, provisioningStatus
 *   enabled, reprovisionPolicy {true, true}).
 */
import type {
    EnrollmentGroupProps,
    EnrollmentGroupState,
    IndividualEnrollmentProps,
    IndividualEnrollmentState,
} from "./enrollment-model";
import type { DeviceIdentityProps, DeviceIdentityState } from "./device-model";

/** The outcome of a diff, shaped like `pulumi.dynamic.DiffResult` plus the changed names. */
export interface DiffOutcome {
    changes: boolean;
    replaces: string[];
    deleteBeforeReplace: boolean;
    /** Every changed top-level property, replacing or not. */
    changed: string[];
    /** True when only connection properties changed: no service call needed. */
    connectionOnly: boolean;
}

/** JSON with object keys sorted, so key order never looks like a change. */
export function canonicalJson(value: unknown): string {
    if (value === undefined) {
        return "undefined";
    }
    if (value === null || typeof value !== "object") {
        return JSON.stringify(value);
    }
    if (Array.isArray(value)) {
        return `[${value.map(canonicalJson).join(",")}]`;
    }
    const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

const CONNECTION_FIELDS = ["policyName", "policyKey", "endpoint"] as const;

interface FieldSpec<T> {
    /** Top-level property name. */
    name: string;
    /** Value to compare, defaults applied; undefined in news = "keep" when `keepIfOmitted`. */
    get: (v: T) => unknown;
    keepIfOmitted?: boolean;
    replaces?: boolean;
}

function diffFields<T>(
    olds: T,
    news: T,
    fields: FieldSpec<T>[],
): { changed: string[]; replaces: string[] } {
    const changed: string[] = [];
    const replaces: string[] = [];
    for (const f of fields) {
        const n = f.get(news);
        if (n === undefined && f.keepIfOmitted) {
            continue;
        }
        if (canonicalJson(f.get(olds)) !== canonicalJson(n)) {
            changed.push(f.name);
            if (f.replaces) {
                replaces.push(f.name);
            }
        }
    }
    return { changed, replaces };
}

function outcome(
    changedService: string[],
    replaces: string[],
    changedConnection: string[],
    sameRecord: boolean,
): DiffOutcome {
    const changed = [...changedService, ...changedConnection];
    return {
        changes: changed.length > 0,
        replaces,
        deleteBeforeReplace: replaces.length > 0 && sameRecord,
        changed,
        connectionOnly: changedService.length === 0 && changedConnection.length > 0,
    };
}

function connectionChanges(olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
    return CONNECTION_FIELDS.filter((f) => canonicalJson(olds[f]) !== canonicalJson(news[f]));
}

const lower = (s: string | undefined) => (s ?? "").toLowerCase();

/** Twin with empty collections dropped (DPS may echo `{tags: {}, properties: {desired: {}}}`). */
export function normalizeTwin(
    twin: EnrollmentGroupProps["initialTwin"],
): EnrollmentGroupProps["initialTwin"] {
    if (twin === undefined || twin === null) {
        return undefined;
    }
    const nonEmpty = (o: unknown) =>
        o !== undefined &&
        o !== null &&
        typeof o === "object" &&
        Object.keys(o as object).length > 0;
    const out: NonNullable<EnrollmentGroupProps["initialTwin"]> = {};
    if (nonEmpty(twin.tags)) out.tags = twin.tags;
    if (nonEmpty(twin.properties?.desired)) out.properties = { desired: twin.properties?.desired };
    return out;
}

function enrollmentOptionFields<
    T extends EnrollmentGroupProps | IndividualEnrollmentProps,
>(): FieldSpec<T>[] {
    return [
        { name: "attestation", get: (v) => v.attestation },
        { name: "primaryKey", get: (v) => v.primaryKey, keepIfOmitted: true },
        { name: "secondaryKey", get: (v) => v.secondaryKey, keepIfOmitted: true },
        { name: "iotEdge", get: (v) => v.iotEdge ?? false },
        { name: "provisioningStatus", get: (v) => v.provisioningStatus ?? "enabled" },
        {
            name: "reprovisionPolicy",
            get: (v) =>
                v.reprovisionPolicy ?? { updateHubAssignment: true, migrateDeviceData: true },
        },
        {
            name: "initialTwin",
            get: (v) =>
                v.initialTwin === undefined ? undefined : (normalizeTwin(v.initialTwin) ?? {}),
            keepIfOmitted: true,
        },
        { name: "allocationPolicy", get: (v) => v.allocationPolicy, keepIfOmitted: true },
        { name: "iotHubs", get: (v) => v.iotHubs, keepIfOmitted: true },
    ];
}

/** Diff of an `EnrollmentGroup` (olds = state, news = inputs). */
export function diffEnrollmentGroup(
    olds: EnrollmentGroupState,
    news: EnrollmentGroupProps,
): DiffOutcome {
    const { changed, replaces } = diffFields<EnrollmentGroupProps>(olds, news, [
        { name: "hostName", get: (v) => lower(v.hostName), replaces: true },
        { name: "enrollmentGroupId", get: (v) => v.enrollmentGroupId, replaces: true },
        ...enrollmentOptionFields<EnrollmentGroupProps>(),
    ]);
    const sameRecord =
        lower(olds.hostName) === lower(news.hostName) &&
        lower(olds.enrollmentGroupId) === lower(news.enrollmentGroupId);
    return outcome(changed, replaces, connectionChanges({ ...olds }, { ...news }), sameRecord);
}

/** Diff of an `IndividualEnrollment` (olds = state, news = inputs). */
export function diffIndividualEnrollment(
    olds: IndividualEnrollmentState,
    news: IndividualEnrollmentProps,
): DiffOutcome {
    const { changed, replaces } = diffFields<IndividualEnrollmentProps>(olds, news, [
        { name: "hostName", get: (v) => lower(v.hostName), replaces: true },
        { name: "registrationId", get: (v) => v.registrationId, replaces: true },
        { name: "deviceId", get: (v) => v.deviceId, keepIfOmitted: true },
        ...enrollmentOptionFields<IndividualEnrollmentProps>(),
    ]);
    const sameRecord =
        lower(olds.hostName) === lower(news.hostName) &&
        lower(olds.registrationId) === lower(news.registrationId);
    return outcome(changed, replaces, connectionChanges({ ...olds }, { ...news }), sameRecord);
}

/** Diff of a `HubDeviceIdentity` (olds = state, news = inputs). Device IDs are case-sensitive. */
export function diffDeviceIdentity(
    olds: DeviceIdentityState,
    news: DeviceIdentityProps,
): DiffOutcome {
    const { changed, replaces } = diffFields<DeviceIdentityProps>(olds, news, [
        { name: "hostName", get: (v) => lower(v.hostName), replaces: true },
        { name: "deviceId", get: (v) => v.deviceId, replaces: true },
        { name: "iotEdge", get: (v) => v.iotEdge ?? false },
        { name: "status", get: (v) => v.status ?? "enabled" },
        { name: "authentication", get: (v) => v.authentication ?? { type: "sas" } },
        { name: "primaryKey", get: (v) => v.primaryKey, keepIfOmitted: true },
        { name: "secondaryKey", get: (v) => v.secondaryKey, keepIfOmitted: true },
        { name: "parentDeviceScope", get: (v) => v.parentDeviceScope ?? null },
    ]);
    const sameRecord =
        lower(olds.hostName) === lower(news.hostName) && olds.deviceId === news.deviceId;
    return outcome(changed, replaces, connectionChanges({ ...olds }, { ...news }), sameRecord);
}
