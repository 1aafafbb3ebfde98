import Foundation
import HTTP1
@testable import RefServer
import Testing

@Suite struct DebugWorkTests {
    /// `--debug-work-per-request` spins at least that long on the thread before each answer (the
    /// regression gate's injected slowdown), and the answer itself is unchanged.
    @Test func routerSpinsBeforeEachRequest() {
        var router = Router()
        router.workPerRequestNanos = 3_000_000
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<4 {
            guard case .respond(let response) = router.plan(ServerRequest(route: .plaintext)) else {
                Issue.record("plaintext is answered directly"); return
            }
            #expect(response.status == 200)
        }
        #expect(DispatchTime.now().uptimeNanoseconds - start >= 12_000_000)
    }
}
