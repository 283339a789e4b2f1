/** opossum-compatible default export. */
export {};
