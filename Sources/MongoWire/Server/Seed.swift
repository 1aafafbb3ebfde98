/// The data `--seed` loads: the talk's greeting and TechEmpower's `World` table.
enum Seed {
    static let greeting = "Hello, Pycon!"
    static let worldRows = 10_000

    static func load(into handler: CommandHandler) {
        let greetings = handler.store.collectionForWrite("test.greetings")
        _ = greetings.insert(handler.withID(["pycon": .string(greeting)]))
        let world = handler.store.collectionForWrite("hello_world.world")
        // A fixed-seed generator, so every run serves the same table.
        var state: UInt64 = 0x5EED_2017
        for id in 1...worldRows {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let randomNumber = Int32(z % UInt64(worldRows)) + 1
            _ = world.insert(["_id": .int32(Int32(id)), "id": .int32(Int32(id)), "randomNumber": .int32(randomNumber)])
        }
    }
}
