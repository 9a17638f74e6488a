/**
 * `iotedge-fleet derive-key --group-key B64 --registration-id ID`
 *
 * Prints the derived device key for a device of a DPS symmetric-key enrollment group, followed
 * by a newline and nothing else, so it can be captured with `$(...)` or piped to a file.
 *
 * `--group-key -` reads the group key from stdin instead (trailing whitespace ignored), so it
 * stays out of shell history and `ps` output:
 *
 *     az iot dps enrollment-group show ... --query attestation.symmetricKey.primaryKey -o tsv \
 *         | iotedge-fleet derive-key --group-key - --registration-id sn-007-888
 *
 * Rule: ../shared/reference/FACTS.md §3 (and seed 002 "Derive a device key").
 */
import { deriveDeviceKey } from "../../components/dataplane/derive-key";
import { Command, CommandIO, parseOptions, UsageError } from "../io";

/** Reads all of stdin as UTF-8. */
export async function readProcessStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) {
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    }
    return Buffer.concat(chunks).toString("utf8");
}

/** {@link run} with an injectable stdin reader (tests pass a fixed string). */
export async function runWithStdin(
    argv: string[],
    io: CommandIO,
    readStdin: () => Promise<string>,
): Promise<number> {
    const { values, positional } = parseOptions(argv, {
        values: ["group-key", "registration-id"],
    });
    if (positional.length > 0) {
        throw new UsageError(`unexpected argument '${positional[0]}'`);
    }
    let groupKey = values["group-key"];
    const registrationId = values["registration-id"];
    if (groupKey === undefined) {
        throw new UsageError("--group-key is required (use '-' to read it from stdin)");
    }
    if (registrationId === undefined) {
        throw new UsageError("--registration-id is required");
    }
    if (groupKey === "-") {
        groupKey = (await readStdin()).trim();
    }
    let key: string;
    try {
        key = deriveDeviceKey(groupKey, registrationId);
    } catch (err) {
        io.stderr(`iotedge-fleet derive-key: ${(err as Error).message}\n`);
        return 1;
    }
    io.stdout(`${key}\n`);
    return 0;
}

export const run: Command = (argv, io) => runWithStdin(argv, io, readProcessStdin);
