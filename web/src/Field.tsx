import type { ReactNode } from "react";

/** A labelled input with its validation message underneath (the message names what to fix). */
export function Field({ label, error, children, wide }: { label: string; error?: string; children: ReactNode; wide?: boolean }) {
  return (
    <label className={`field${error ? " invalid" : ""}${wide ? " wide" : ""}`}>
      <span className="field-label">{label}</span>
      {children}
      {error && <span className="field-error" role="alert">{error}</span>}
    </label>
  );
}

/** Parses a number input; an empty or partial entry becomes NaN so validation can name it instead of silently using 0. */
export function numberFrom(value: string): number {
  return value.trim() === "" ? Number.NaN : Number(value);
}

export function shown(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? "" : String(value);
}
