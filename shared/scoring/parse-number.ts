/**
 * Parses a decimal number from bytes without creating a string: `[+-]digits[.digits][e[+-]digits]`,
 * surrounding spaces allowed, scientific notation accepted. Anything else (empty, NaN, inf, hex,
 * decimal commas) returns NaN. Up to 15 significant digits and a power of ten up to 22 the result
 * is one correctly rounded IEEE operation (Clinger's fast path); longer inputs go through `Number()`.
 */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

export function parseDecimal(bytes: Uint8Array, from: number, to: number): number {
  // One digit: one-hot and binary columns, most of the cells of a classification file.
  if (to - from === 1) {
    const digit = bytes[from]! - 48;
    return digit >= 0 && digit <= 9 ? digit : NaN;
  }
  let i = from;
  let end = to;
  while (i < end && (bytes[i] === 32 || bytes[i] === 9)) i++;
  while (end > i && (bytes[end - 1] === 32 || bytes[end - 1] === 9)) end--;
  const start = i;
  let negative = false;
  if (i < end && (bytes[i] === 45 || bytes[i] === 43)) {
    negative = bytes[i] === 45;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let significant = 0;
  let scale = 0;
  while (i < end) {
    const d = bytes[i]! - 48;
    if (d < 0 || d > 9) break;
    if (significant > 0 || d !== 0) significant++;
    mantissa = mantissa * 10 + d;
    digits++;
    i++;
  }
  if (i < end && bytes[i] === 46) {
    i++;
    while (i < end) {
      const d = bytes[i]! - 48;
      if (d < 0 || d > 9) break;
      if (significant > 0 || d !== 0) significant++;
      mantissa = mantissa * 10 + d;
      scale--;
      digits++;
      i++;
    }
  }
  if (digits === 0) return NaN;
  if (i < end && (bytes[i] === 101 || bytes[i] === 69)) {
    i++;
    let exponentNegative = false;
    if (i < end && (bytes[i] === 45 || bytes[i] === 43)) {
      exponentNegative = bytes[i] === 45;
      i++;
    }
    let exponent = 0;
    let exponentDigits = 0;
    while (i < end) {
      const d = bytes[i]! - 48;
      if (d < 0 || d > 9) break;
      exponent = Math.min(exponent * 10 + d, 100_000);
      exponentDigits++;
      i++;
    }
    if (exponentDigits === 0) return NaN;
    scale += exponentNegative ? -exponent : exponent;
  }
  if (i !== end) return NaN;
  let value: number;
  if (significant <= 15 && scale >= -22 && scale <= 22) {
    value = scale < 0 ? mantissa / POWERS_OF_TEN[-scale]! : mantissa * POWERS_OF_TEN[scale]!;
  } else {
    value = Math.abs(Number(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1')));
  }
  return negative ? -value : value;
}
