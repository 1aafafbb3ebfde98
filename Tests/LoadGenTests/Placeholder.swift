import Testing

/// Placeholder so the target builds.
@Test func placeholderLoadGenTests() { #expect(Bool(true)) }
