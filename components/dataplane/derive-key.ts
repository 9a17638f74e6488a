/**
 * Derived device keys for DPS symmetric-key enrollment groups. Pure: node:crypto only.
 *
 * Rule (../shared/reference/FACTS.md §3; azure-docs articles/iot-dps/
 * concepts-symmetric-key-attestation.md; seed 002 "Derive a device key"):
 * `base64(HMAC-SHA256(base64decode(groupKey), registrationId))`.
 */
import * as crypto from "crypto";

/** DPS symmetric keys are base64 of 16–64 bytes (FACTS.md §3). */
export const SYMMETRIC_KEY_MIN_BYTES = 16;
export const SYMMETRIC_KEY_MAX_BYTES = 64;

/**
 * Registration IDs: up to 128 characters, alphanumeric plus `: . _ -`, no special character at
 * the start or end (dps-service-2021-10-01.json, IndividualEnrollment.registrationId).
 */
const REGISTRATION_ID = /^[A-Za-z0-9](?:[A-Za-z0-9:._-]{0,126}[A-Za-z0-9])?$/;

/**
 * Problem with a symmetric key, or undefined if it is base64 (standard alphabet, padded) of
 * 16–64 bytes. The message never contains the key itself.
 */
export function symmetricKeyProblem(keyB64: string): string | undefined {
    if (keyB64.length === 0) {
        return "is empty";
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyB64) || keyB64.length % 4 !== 0) {
        return "is not valid base64 (standard alphabet with padding)";
    }
    const bytes = Buffer.from(keyB64, "base64");
    if (bytes.toString("base64") !== keyB64) {
        return "is not canonical base64";
    }
    if (bytes.length < SYMMETRIC_KEY_MIN_BYTES || bytes.length > SYMMETRIC_KEY_MAX_BYTES) {
        return (
            `must decode to ${SYMMETRIC_KEY_MIN_BYTES}-${SYMMETRIC_KEY_MAX_BYTES} bytes, ` +
            `got ${bytes.length}`
        );
    }
    return undefined;
}

/** Problem with a registration ID, or undefined if the spec allows it. */
export function registrationIdProblem(registrationId: string): string | undefined {
    if (registrationId.length === 0) {
        return "is empty";
    }
    if (registrationId.length > 128) {
        return `is ${registrationId.length} characters long; the limit is 128`;
    }
    if (!REGISTRATION_ID.test(registrationId)) {
        return (
            "may contain only letters, digits and ': . _ -', " +
            "and must start and end with a letter or digit"
        );
    }
    return undefined;
}

/**
 * The device key a device of a symmetric-key enrollment group presents to DPS.
 *
 * @param groupKeyB64 the group's primary or secondary key (base64 of 16–64 bytes).
 * @param registrationId the device's registration ID (the HMAC message, UTF-8).
 * @throws Error naming the bad argument (never echoing the key).
 */
export function deriveDeviceKey(groupKeyB64: string, registrationId: string): string {
    const keyProblem = symmetricKeyProblem(groupKeyB64);
    if (keyProblem !== undefined) {
        throw new Error(`group key ${keyProblem}`);
    }
    const idProblem = registrationIdProblem(registrationId);
    if (idProblem !== undefined) {
        throw new Error(`registration ID '${registrationId}' ${idProblem}`);
    }
    return crypto
        .createHmac("sha256", Buffer.from(groupKeyB64, "base64"))
        .update(registrationId, "utf8")
        .digest("base64");
}
