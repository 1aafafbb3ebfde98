import Metrics
import Testing

struct HostInfoTests {
    /// The CPU model is found in /proc/cpuinfo as x86 and ARM kernels write it.
    @Test(arguments: [
        ("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n",
         "AMD EPYC 7B13"),
        ("processor\t: 0\nBogoMIPS\t: 108.00\nCPU part\t: 0xd0c\n\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n",
         "Raspberry Pi 4 Model B Rev 1.4"),
        ("processor\t: 0\nBogoMIPS\t: 243.75\nHardware\t: Neoverse\n", "Neoverse"),
        ("processor\t: 0\nBogoMIPS\t: 243.75\n", nil),
        ("", nil),
    ] as [(String, String?)])
    func cpuModel(cpuinfo: String, expected: String?) {
        #expect(HostInfo.cpuModel(fromCPUInfo: cpuinfo) == expected)
    }

    /// The running host is described with every field filled in.
    @Test func current() {
        let host = HostInfo.current()
        #expect(!host.cpuModel.isEmpty && host.cpuModel != "unknown")
        #expect(host.logicalCores >= 1)
        #expect(host.kernel.hasPrefix("Linux "))
        #expect(!host.architecture.isEmpty && !host.hostname.isEmpty)
    }
}
