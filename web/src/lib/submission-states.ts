/** States a submission does not leave: polling stops, and Cancel is no longer offered. */
export const TERMINAL_STATES: readonly string[] = ['SCORED', 'FAILED', 'REJECTED', 'CANCELLED', 'PLATFORM_ERROR'];
