import { Command, CommandIO, processIO, UsageError } from "./io";

/** Sub-commands, loaded lazily so `derive-key` does not pay for the Pulumi SDK. */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
    plan: {
        summary: "plan --stack NAME [--config FILE] --out DIR   offline plan under Pulumi mocks",
        load: async () => (await import("./commands/plan")).run,
    },
    validate: {
        summary: "validate --stack NAME [--config FILE]          check the fleet model",
        load: async () => (await import("./commands/validate")).run,
    },
    "derive-key": {
        summary: "derive-key --group-key B64 --registration-id ID   derived DPS device key",
        load: async () => (await import("./commands/derive-key")).run,
    },
    "plan-diff": {
        summary:
            "plan-diff OLD_DIR NEW_DIR [--format markdown|text] [--exit-code] [--allow-missing-old]\n" +
            "                                                 what changes between two plans",
        load: async () => (await import("./commands/plan-diff")).run,
    },
};

export function usage(): string {
    const lines = Object.values(commands).map((c) => `  iotedge-fleet ${c.summary}`);
    return `usage:\n${lines.join("\n")}\n`;
}

export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
    const [name, ...rest] = argv;
    if (name === undefined || name === "--help" || name === "help") {
        io.stdout(usage());
        return name === undefined ? 2 : 0;
    }
    const command = commands[name];
    if (!command) {
        io.stderr(`iotedge-fleet: unknown command '${name}'\n${usage()}`);
        return 2;
    }
    try {
        return await (
            await command.load()
        )(rest, io);
    } catch (err) {
        if (err instanceof UsageError) {
            io.stderr(`iotedge-fleet ${name}: ${err.message}\n${usage()}`);
            return 2;
        }
        throw err;
    }
}
