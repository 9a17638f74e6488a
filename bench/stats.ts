/** Small helpers for the benchmark figures: order statistics, a linear fit, markdown tables. */

export function min(xs: number[]): number {
    return Math.min(...xs);
}

export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function mean(xs: number[]): number {
    return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Least-squares `y = intercept + slope * x`, and the largest absolute residual. */
export function linearFit(points: Array<[number, number]>): {
    intercept: number;
    slope: number;
    maxResidual: number;
} {
    const n = points.length;
    const mx = mean(points.map((p) => p[0]));
    const my = mean(points.map((p) => p[1]));
    let sxy = 0;
    let sxx = 0;
    for (const [x, y] of points) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) ** 2;
    }
    const slope = n > 1 && sxx > 0 ? sxy / sxx : 0;
    const intercept = my - slope * mx;
    const maxResidual = Math.max(...points.map(([x, y]) => Math.abs(y - (intercept + slope * x))));
    return { intercept, slope, maxResidual };
}

/** A markdown table; `align` per column: "l" or "r". */
export function table(head: string[], rows: string[][], align?: Array<"l" | "r">): string {
    const a = align ?? head.map((_, i) => (i === 0 ? "l" : "r"));
    return [
        `| ${head.join(" | ")} |`,
        `| ${a.map((x) => (x === "r" ? "---:" : "---")).join(" | ")} |`,
        ...rows.map((r) => `| ${r.join(" | ")} |`),
    ].join("\n");
}

export function seconds(ms: number, digits = 2): string {
    return (ms / 1000).toFixed(digits);
}
