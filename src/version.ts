/** The library's version, as in package.json (a test keeps the two equal). Written into exported models. */
export const version = '0.1.0';
