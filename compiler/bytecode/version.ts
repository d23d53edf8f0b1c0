/**
 * The compiler version written into every .flowb header. Kept equal to package.json's version
 * (a test checks), without importing package.json into the browser-safe core.
 */
export const PACKAGE_VERSION = '0.1.0';
export const COMPILER_VERSION = `runnel ${PACKAGE_VERSION}`;
