/** Where a command writes. Commands never touch process.stdout directly, so tests can capture. */
export interface CommandIO {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

export const processIO: CommandIO = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
};

/** A sub-command: takes its own arguments (after the command name), returns the exit code. */
export type Command = (argv: string[], io: CommandIO) => Promise<number>;

/** Thrown for bad command-line usage; main prints it with the usage text and exits 2. */
export class UsageError extends Error {}

/**
 * Parses `--name value` / `--flag` options. Unknown options are a usage error, so a typo
 * never silently changes what a command does.
 */
export function parseOptions(
    argv: string[],
    spec: { values?: string[]; flags?: string[] },
): { values: Record<string, string>; flags: Set<string>; positional: string[] } {
    const values: Record<string, string> = {};
    const flags = new Set<string>();
    const positional: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("--")) {
            positional.push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq === -1 ? undefined : eq);
        if (spec.values?.includes(name)) {
            const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
            if (value === undefined || (eq === -1 && value.startsWith("--"))) {
                throw new UsageError(`--${name} needs a value`);
            }
            values[name] = value;
        } else if (spec.flags?.includes(name) && eq === -1) {
            flags.add(name);
        } else {
            throw new UsageError(`unknown option --${name}`);
        }
    }
    return { values, flags, positional };
}
