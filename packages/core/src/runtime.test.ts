// Guards the toolchain: CI sets BULWARK_EXPECT_NODE_MAJOR so that a run that silently fell back
// to the machine's Node (for example after `npm ci --ignore-scripts`) fails loudly.
describe('test runtime', () => {
  it('runs on a supported Node (>= 22) and on the major CI expects', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBeGreaterThanOrEqual(22);
    const expected = process.env['BULWARK_EXPECT_NODE_MAJOR'];
    if (expected !== undefined) expect(major).toBe(Number(expected));
  });
});
