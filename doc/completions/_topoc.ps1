
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'topoc' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'topoc'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'topoc' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check a topology and report every problem in one pass')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Compile a topology into its artifacts')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain a diagnostic code, like `rustc --explain`')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Describe SRAT, SLIT and HMAT tables, E820 maps and guest dumps')
            [CompletionResult]::new('probe-script', 'probe-script', [CompletionResultType]::ParameterValue, 'Print the guest probe script, to run as root inside a guest')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Compare what a guest sees with what topoc predicts for a topology')
            [CompletionResult]::new('schema', 'schema', [CompletionResultType]::ParameterValue, 'Print a JSON Schema: of the input language, or of a `--format json` document')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Write a topology file from a machine: its ACPI tables, the host, or a guest dump')
            [CompletionResult]::new('graph', 'graph', [CompletionResultType]::ParameterValue, 'Draw a topology: nodes with their CPUs and memory, devices, links')
            break
        }
        'topoc;check' {
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'The VMM to compile for')
            [CompletionResult]::new('--qemu-version', '--qemu-version', [CompletionResultType]::ParameterName, 'QEMU release (overrides `[target.qemu] version`)')
            [CompletionResult]::new('--machine-type', '--machine-type', [CompletionResultType]::ParameterName, 'QEMU machine type (overrides `[target.qemu] machine`)')
            [CompletionResult]::new('--spm-dialect', '--spm-dialect', [CompletionResultType]::ParameterName, 'How Specific Purpose Memory reaches a QEMU guest (overrides `[target.qemu] spm`)')
            [CompletionResult]::new('--firmware', '--firmware', [CompletionResultType]::ParameterName, 'Guest firmware (overrides `[target.qemu] firmware`)')
            [CompletionResult]::new('--cpu-model', '--cpu-model', [CompletionResultType]::ParameterName, 'QEMU `-cpu` model (overrides `[target.qemu] cpu-model`)')
            [CompletionResult]::new('--ch-version', '--ch-version', [CompletionResultType]::ParameterName, 'cloud-hypervisor release (overrides `[target.cloud-hypervisor] version`)')
            [CompletionResult]::new('--ch-boot', '--ch-boot', [CompletionResultType]::ParameterName, 'cloud-hypervisor boot path, which decides the guest''s E820 map (overrides `[target.cloud-hypervisor] boot`)')
            [CompletionResult]::new('--ch-kernel', '--ch-kernel', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--kernel` (overrides `[target.cloud-hypervisor] kernel`)')
            [CompletionResult]::new('--ch-initramfs', '--ch-initramfs', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--initramfs` (overrides `[target.cloud-hypervisor] initramfs`)')
            [CompletionResult]::new('--ch-cmdline', '--ch-cmdline', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--cmdline` (overrides `[target.cloud-hypervisor] cmdline`)')
            [CompletionResult]::new('--ch-firmware', '--ch-firmware', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--firmware` (overrides `[target.cloud-hypervisor] firmware`)')
            [CompletionResult]::new('--acpi-oem-revision', '--acpi-oem-revision', [CompletionResultType]::ParameterName, 'OEM revision in emitted ACPI table headers. QEMU writes 1; a guest kernel replaces firmware tables from its initrd only with a higher one')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format for diagnostics: `json` is one versioned report on standard output')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Do not report this warning (a code, its name, or `warnings`); repeatable')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'Report this warning as a warning, whatever the file says; repeatable')
            [CompletionResult]::new('--deny', '--deny', [CompletionResultType]::ParameterName, 'Report this warning as an error, which stops the build (`--deny warnings`: every warning not allowed by code); repeatable')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR')
            [CompletionResult]::new('--fallback', '--fallback', [CompletionResultType]::ParameterName, 'Compile what the target cannot express into its closest faithful form, with a warning for each, instead of refusing it (cloud-hypervisor: HMAT dropped, SPM as ordinary RAM, stand-in devices dropped)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'topoc;build' {
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'The VMM to compile for')
            [CompletionResult]::new('--qemu-version', '--qemu-version', [CompletionResultType]::ParameterName, 'QEMU release (overrides `[target.qemu] version`)')
            [CompletionResult]::new('--machine-type', '--machine-type', [CompletionResultType]::ParameterName, 'QEMU machine type (overrides `[target.qemu] machine`)')
            [CompletionResult]::new('--spm-dialect', '--spm-dialect', [CompletionResultType]::ParameterName, 'How Specific Purpose Memory reaches a QEMU guest (overrides `[target.qemu] spm`)')
            [CompletionResult]::new('--firmware', '--firmware', [CompletionResultType]::ParameterName, 'Guest firmware (overrides `[target.qemu] firmware`)')
            [CompletionResult]::new('--cpu-model', '--cpu-model', [CompletionResultType]::ParameterName, 'QEMU `-cpu` model (overrides `[target.qemu] cpu-model`)')
            [CompletionResult]::new('--ch-version', '--ch-version', [CompletionResultType]::ParameterName, 'cloud-hypervisor release (overrides `[target.cloud-hypervisor] version`)')
            [CompletionResult]::new('--ch-boot', '--ch-boot', [CompletionResultType]::ParameterName, 'cloud-hypervisor boot path, which decides the guest''s E820 map (overrides `[target.cloud-hypervisor] boot`)')
            [CompletionResult]::new('--ch-kernel', '--ch-kernel', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--kernel` (overrides `[target.cloud-hypervisor] kernel`)')
            [CompletionResult]::new('--ch-initramfs', '--ch-initramfs', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--initramfs` (overrides `[target.cloud-hypervisor] initramfs`)')
            [CompletionResult]::new('--ch-cmdline', '--ch-cmdline', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--cmdline` (overrides `[target.cloud-hypervisor] cmdline`)')
            [CompletionResult]::new('--ch-firmware', '--ch-firmware', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--firmware` (overrides `[target.cloud-hypervisor] firmware`)')
            [CompletionResult]::new('--acpi-oem-revision', '--acpi-oem-revision', [CompletionResultType]::ParameterName, 'OEM revision in emitted ACPI table headers. QEMU writes 1; a guest kernel replaces firmware tables from its initrd only with a higher one')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write every artifact of the target into this directory')
            [CompletionResult]::new('--emit', '--emit', [CompletionResultType]::ParameterName, 'Write one artifact')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where `--emit` writes: a file, or `-` for standard output (the default)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where `--emit` writes: a file, or `-` for standard output (the default)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Diagnostics format: `json` is one versioned report on standard output (then `--emit` needs `-o FILE`)')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Do not report this warning (a code, its name, or `warnings`); repeatable')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'Report this warning as a warning, whatever the file says; repeatable')
            [CompletionResult]::new('--deny', '--deny', [CompletionResultType]::ParameterName, 'Report this warning as an error, which stops the build (`--deny warnings`: every warning not allowed by code); repeatable')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR')
            [CompletionResult]::new('--fallback', '--fallback', [CompletionResultType]::ParameterName, 'Compile what the target cannot express into its closest faithful form, with a warning for each, instead of refusing it (cloud-hypervisor: HMAT dropped, SPM as ordinary RAM, stand-in devices dropped)')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the artifacts and exit')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'topoc;explain' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List every code with its title')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'topoc;inspect' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'topoc;probe-script' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'topoc;verify' {
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'The VMM to compile for')
            [CompletionResult]::new('--qemu-version', '--qemu-version', [CompletionResultType]::ParameterName, 'QEMU release (overrides `[target.qemu] version`)')
            [CompletionResult]::new('--machine-type', '--machine-type', [CompletionResultType]::ParameterName, 'QEMU machine type (overrides `[target.qemu] machine`)')
            [CompletionResult]::new('--spm-dialect', '--spm-dialect', [CompletionResultType]::ParameterName, 'How Specific Purpose Memory reaches a QEMU guest (overrides `[target.qemu] spm`)')
            [CompletionResult]::new('--firmware', '--firmware', [CompletionResultType]::ParameterName, 'Guest firmware (overrides `[target.qemu] firmware`)')
            [CompletionResult]::new('--cpu-model', '--cpu-model', [CompletionResultType]::ParameterName, 'QEMU `-cpu` model (overrides `[target.qemu] cpu-model`)')
            [CompletionResult]::new('--ch-version', '--ch-version', [CompletionResultType]::ParameterName, 'cloud-hypervisor release (overrides `[target.cloud-hypervisor] version`)')
            [CompletionResult]::new('--ch-boot', '--ch-boot', [CompletionResultType]::ParameterName, 'cloud-hypervisor boot path, which decides the guest''s E820 map (overrides `[target.cloud-hypervisor] boot`)')
            [CompletionResult]::new('--ch-kernel', '--ch-kernel', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--kernel` (overrides `[target.cloud-hypervisor] kernel`)')
            [CompletionResult]::new('--ch-initramfs', '--ch-initramfs', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--initramfs` (overrides `[target.cloud-hypervisor] initramfs`)')
            [CompletionResult]::new('--ch-cmdline', '--ch-cmdline', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--cmdline` (overrides `[target.cloud-hypervisor] cmdline`)')
            [CompletionResult]::new('--ch-firmware', '--ch-firmware', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--firmware` (overrides `[target.cloud-hypervisor] firmware`)')
            [CompletionResult]::new('--acpi-oem-revision', '--acpi-oem-revision', [CompletionResultType]::ParameterName, 'OEM revision in emitted ACPI table headers. QEMU writes 1; a guest kernel replaces firmware tables from its initrd only with a higher one')
            [CompletionResult]::new('--guest', '--guest', [CompletionResultType]::ParameterName, 'The guest dump (`-` for standard input)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Report format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR')
            [CompletionResult]::new('--fallback', '--fallback', [CompletionResultType]::ParameterName, 'Compile what the target cannot express into its closest faithful form, with a warning for each, instead of refusing it (cloud-hypervisor: HMAT dropped, SPM as ordinary RAM, stand-in devices dropped)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Also list what each passing check expected')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'topoc;schema' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'topoc;import' {
            [CompletionResult]::new('--srat', '--srat', [CompletionResultType]::ParameterName, 'An SRAT (a copy of /sys/firmware/acpi/tables/SRAT)')
            [CompletionResult]::new('--slit', '--slit', [CompletionResultType]::ParameterName, 'A SLIT')
            [CompletionResult]::new('--hmat', '--hmat', [CompletionResultType]::ParameterName, 'An HMAT')
            [CompletionResult]::new('--dump', '--dump', [CompletionResultType]::ParameterName, 'A guest dump of `topoc probe-script` (`-` for standard input)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Where the host''s /sys and /proc are, for --host (a copy of them, for tests)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write: a file, or `-` for standard output (the default)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write: a file, or `-` for standard output (the default)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, '`machine.name` of the file')
            [CompletionResult]::new('--memory-scale', '--memory-scale', [CompletionResultType]::ParameterName, 'Scale every node''s memory, SPM and caches: a fraction such as 1/64, or 0.25')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Scale the memory to this total, such as 16GiB')
            [CompletionResult]::new('--nodes', '--nodes', [CompletionResultType]::ParameterName, 'Keep only these node ids (as imported), such as 0-1')
            [CompletionResult]::new('--cpus', '--cpus', [CompletionResultType]::ParameterName, 'Keep only these vCPUs (as imported), such as 0-7')
            [CompletionResult]::new('--devices', '--devices', [CompletionResultType]::ParameterName, 'How the devices behind Generic Initiators reach the VM')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'The VMM to compile for')
            [CompletionResult]::new('--qemu-version', '--qemu-version', [CompletionResultType]::ParameterName, 'QEMU release (overrides `[target.qemu] version`)')
            [CompletionResult]::new('--machine-type', '--machine-type', [CompletionResultType]::ParameterName, 'QEMU machine type (overrides `[target.qemu] machine`)')
            [CompletionResult]::new('--spm-dialect', '--spm-dialect', [CompletionResultType]::ParameterName, 'How Specific Purpose Memory reaches a QEMU guest (overrides `[target.qemu] spm`)')
            [CompletionResult]::new('--firmware', '--firmware', [CompletionResultType]::ParameterName, 'Guest firmware (overrides `[target.qemu] firmware`)')
            [CompletionResult]::new('--cpu-model', '--cpu-model', [CompletionResultType]::ParameterName, 'QEMU `-cpu` model (overrides `[target.qemu] cpu-model`)')
            [CompletionResult]::new('--ch-version', '--ch-version', [CompletionResultType]::ParameterName, 'cloud-hypervisor release (overrides `[target.cloud-hypervisor] version`)')
            [CompletionResult]::new('--ch-boot', '--ch-boot', [CompletionResultType]::ParameterName, 'cloud-hypervisor boot path, which decides the guest''s E820 map (overrides `[target.cloud-hypervisor] boot`)')
            [CompletionResult]::new('--ch-kernel', '--ch-kernel', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--kernel` (overrides `[target.cloud-hypervisor] kernel`)')
            [CompletionResult]::new('--ch-initramfs', '--ch-initramfs', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--initramfs` (overrides `[target.cloud-hypervisor] initramfs`)')
            [CompletionResult]::new('--ch-cmdline', '--ch-cmdline', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--cmdline` (overrides `[target.cloud-hypervisor] cmdline`)')
            [CompletionResult]::new('--ch-firmware', '--ch-firmware', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--firmware` (overrides `[target.cloud-hypervisor] firmware`)')
            [CompletionResult]::new('--acpi-oem-revision', '--acpi-oem-revision', [CompletionResultType]::ParameterName, 'OEM revision in emitted ACPI table headers. QEMU writes 1; a guest kernel replaces firmware tables from its initrd only with a higher one')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The host this runs on')
            [CompletionResult]::new('--fallback', '--fallback', [CompletionResultType]::ParameterName, 'Compile what the target cannot express into its closest faithful form, with a warning for each, instead of refusing it (cloud-hypervisor: HMAT dropped, SPM as ordinary RAM, stand-in devices dropped)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'topoc;graph' {
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'The VMM to compile for')
            [CompletionResult]::new('--qemu-version', '--qemu-version', [CompletionResultType]::ParameterName, 'QEMU release (overrides `[target.qemu] version`)')
            [CompletionResult]::new('--machine-type', '--machine-type', [CompletionResultType]::ParameterName, 'QEMU machine type (overrides `[target.qemu] machine`)')
            [CompletionResult]::new('--spm-dialect', '--spm-dialect', [CompletionResultType]::ParameterName, 'How Specific Purpose Memory reaches a QEMU guest (overrides `[target.qemu] spm`)')
            [CompletionResult]::new('--firmware', '--firmware', [CompletionResultType]::ParameterName, 'Guest firmware (overrides `[target.qemu] firmware`)')
            [CompletionResult]::new('--cpu-model', '--cpu-model', [CompletionResultType]::ParameterName, 'QEMU `-cpu` model (overrides `[target.qemu] cpu-model`)')
            [CompletionResult]::new('--ch-version', '--ch-version', [CompletionResultType]::ParameterName, 'cloud-hypervisor release (overrides `[target.cloud-hypervisor] version`)')
            [CompletionResult]::new('--ch-boot', '--ch-boot', [CompletionResultType]::ParameterName, 'cloud-hypervisor boot path, which decides the guest''s E820 map (overrides `[target.cloud-hypervisor] boot`)')
            [CompletionResult]::new('--ch-kernel', '--ch-kernel', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--kernel` (overrides `[target.cloud-hypervisor] kernel`)')
            [CompletionResult]::new('--ch-initramfs', '--ch-initramfs', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--initramfs` (overrides `[target.cloud-hypervisor] initramfs`)')
            [CompletionResult]::new('--ch-cmdline', '--ch-cmdline', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--cmdline` (overrides `[target.cloud-hypervisor] cmdline`)')
            [CompletionResult]::new('--ch-firmware', '--ch-firmware', [CompletionResultType]::ParameterName, 'cloud-hypervisor `--firmware` (overrides `[target.cloud-hypervisor] firmware`)')
            [CompletionResult]::new('--acpi-oem-revision', '--acpi-oem-revision', [CompletionResultType]::ParameterName, 'OEM revision in emitted ACPI table headers. QEMU writes 1; a guest kernel replaces firmware tables from its initrd only with a higher one')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Picture format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write: a file, or `-` for standard output (the default)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write: a file, or `-` for standard output (the default)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR')
            [CompletionResult]::new('--fallback', '--fallback', [CompletionResultType]::ParameterName, 'Compile what the target cannot express into its closest faithful form, with a warning for each, instead of refusing it (cloud-hypervisor: HMAT dropped, SPM as ordinary RAM, stand-in devices dropped)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more about what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
