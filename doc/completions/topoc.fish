# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_topoc_global_optspecs
    string join \n q/quiet v/verbose color= h/help V/version
end

function __fish_topoc_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_topoc_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_topoc_using_subcommand
    set -l cmd (__fish_topoc_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c topoc -n "__fish_topoc_needs_command" -l color -d 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c topoc -n "__fish_topoc_needs_command" -s q -l quiet -d 'Print nothing but errors'
complete -c topoc -n "__fish_topoc_needs_command" -s v -l verbose -d 'Say more about what is done'
complete -c topoc -n "__fish_topoc_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c topoc -n "__fish_topoc_needs_command" -s V -l version -d 'Print version'
complete -c topoc -n "__fish_topoc_needs_command" -f -a "check" -d 'Check a topology and report every problem in one pass'
complete -c topoc -n "__fish_topoc_needs_command" -f -a "build" -d 'Compile a topology into its artifacts'
complete -c topoc -n "__fish_topoc_needs_command" -f -a "explain" -d 'Explain a diagnostic code, like `rustc --explain`'
complete -c topoc -n "__fish_topoc_needs_command" -f -a "inspect" -d 'Describe SRAT, SLIT and HMAT tables, E820 maps and guest dumps'
complete -c topoc -n "__fish_topoc_needs_command" -f -a "probe-script" -d 'Print the guest probe script, to run as root inside a guest'
complete -c topoc -n "__fish_topoc_needs_command" -f -a "verify" -d 'Compare what a guest sees with what topoc predicts for a topology'
complete -c topoc -n "__fish_topoc_needs_command" -f -a "schema" -d 'Print a JSON Schema: of the input language, or of a `--format json` document'
complete -c topoc -n "__fish_topoc_needs_command" -f -a "import" -d 'Write a topology file from a machine: its ACPI tables, the host, or a guest dump'
complete -c topoc -n "__fish_topoc_needs_command" -f -a "graph" -d 'Draw a topology: nodes with their CPUs and memory, devices, links'
complete -c topoc -n "__fish_topoc_using_subcommand check" -l target -d 'The VMM to compile for' -r -f -a "qemu\t'QEMU (x86_64 q35 or pc)'
cloud-hypervisor\t'cloud-hypervisor (x86_64, KVM), v52 or later'
libvirt\t'libvirt domain XML (libvirt 11.3 or 11.8), for the QEMU of [target.qemu]'"
complete -c topoc -n "__fish_topoc_using_subcommand check" -l qemu-version -d 'QEMU release (overrides `[target.qemu] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l machine-type -d 'QEMU machine type (overrides `[target.qemu] machine`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l spm-dialect -d 'How Specific Purpose Memory reaches a QEMU guest (overrides `[target.qemu] spm`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l firmware -d 'Guest firmware (overrides `[target.qemu] firmware`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l cpu-model -d 'QEMU `-cpu` model (overrides `[target.qemu] cpu-model`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l ch-version -d 'cloud-hypervisor release (overrides `[target.cloud-hypervisor] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l ch-boot -d 'cloud-hypervisor boot path, which decides the guest\'s E820 map (overrides `[target.cloud-hypervisor] boot`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l ch-kernel -d 'cloud-hypervisor `--kernel` (overrides `[target.cloud-hypervisor] kernel`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l ch-initramfs -d 'cloud-hypervisor `--initramfs` (overrides `[target.cloud-hypervisor] initramfs`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l ch-cmdline -d 'cloud-hypervisor `--cmdline` (overrides `[target.cloud-hypervisor] cmdline`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l ch-firmware -d 'cloud-hypervisor `--firmware` (overrides `[target.cloud-hypervisor] firmware`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l libvirt-version -d 'libvirt release (overrides `[target.libvirt] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l libvirt-domain-type -d 'libvirt `<domain type>` (overrides `[target.libvirt] domain-type`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l libvirt-kernel -d 'libvirt `<os><kernel>` (overrides `[target.libvirt] kernel`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l libvirt-initrd -d 'libvirt `<os><initrd>` (overrides `[target.libvirt] initrd`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l libvirt-cmdline -d 'libvirt `<os><cmdline>` (overrides `[target.libvirt] cmdline`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l libvirt-console -d 'A file for the guest\'s serial console (overrides `[target.libvirt] console`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l acpi-oem-revision -d 'OEM revision in emitted ACPI table headers. QEMU writes 1; a guest kernel replaces firmware tables from its initrd only with a higher one' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l format -d 'Output format for diagnostics: `json` is one versioned report on standard output' -r -f -a "text\t''
json\t''"
complete -c topoc -n "__fish_topoc_using_subcommand check" -l allow -d 'Do not report this warning (a code, its name, or `warnings`); repeatable' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l warn -d 'Report this warning as a warning, whatever the file says; repeatable' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l deny -d 'Report this warning as an error, which stops the build (`--deny warnings`: every warning not allowed by code); repeatable' -r
complete -c topoc -n "__fish_topoc_using_subcommand check" -l color -d 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c topoc -n "__fish_topoc_using_subcommand check" -l fallback -d 'Compile what the target cannot express into its closest faithful form, with a warning for each, instead of refusing it (cloud-hypervisor: HMAT dropped, SPM as ordinary RAM, stand-in devices dropped; libvirt: libvirt\'s initiators, one direction of each HMAT pair, devices through `<qemu:commandline>`, SPM through `memmap=`)'
complete -c topoc -n "__fish_topoc_using_subcommand check" -s q -l quiet -d 'Print nothing but errors'
complete -c topoc -n "__fish_topoc_using_subcommand check" -s v -l verbose -d 'Say more about what is done'
complete -c topoc -n "__fish_topoc_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c topoc -n "__fish_topoc_using_subcommand check" -s V -l version -d 'Print version'
complete -c topoc -n "__fish_topoc_using_subcommand build" -l target -d 'The VMM to compile for' -r -f -a "qemu\t'QEMU (x86_64 q35 or pc)'
cloud-hypervisor\t'cloud-hypervisor (x86_64, KVM), v52 or later'
libvirt\t'libvirt domain XML (libvirt 11.3 or 11.8), for the QEMU of [target.qemu]'"
complete -c topoc -n "__fish_topoc_using_subcommand build" -l qemu-version -d 'QEMU release (overrides `[target.qemu] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l machine-type -d 'QEMU machine type (overrides `[target.qemu] machine`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l spm-dialect -d 'How Specific Purpose Memory reaches a QEMU guest (overrides `[target.qemu] spm`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l firmware -d 'Guest firmware (overrides `[target.qemu] firmware`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l cpu-model -d 'QEMU `-cpu` model (overrides `[target.qemu] cpu-model`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l ch-version -d 'cloud-hypervisor release (overrides `[target.cloud-hypervisor] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l ch-boot -d 'cloud-hypervisor boot path, which decides the guest\'s E820 map (overrides `[target.cloud-hypervisor] boot`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l ch-kernel -d 'cloud-hypervisor `--kernel` (overrides `[target.cloud-hypervisor] kernel`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l ch-initramfs -d 'cloud-hypervisor `--initramfs` (overrides `[target.cloud-hypervisor] initramfs`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l ch-cmdline -d 'cloud-hypervisor `--cmdline` (overrides `[target.cloud-hypervisor] cmdline`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l ch-firmware -d 'cloud-hypervisor `--firmware` (overrides `[target.cloud-hypervisor] firmware`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l libvirt-version -d 'libvirt release (overrides `[target.libvirt] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l libvirt-domain-type -d 'libvirt `<domain type>` (overrides `[target.libvirt] domain-type`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l libvirt-kernel -d 'libvirt `<os><kernel>` (overrides `[target.libvirt] kernel`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l libvirt-initrd -d 'libvirt `<os><initrd>` (overrides `[target.libvirt] initrd`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l libvirt-cmdline -d 'libvirt `<os><cmdline>` (overrides `[target.libvirt] cmdline`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l libvirt-console -d 'A file for the guest\'s serial console (overrides `[target.libvirt] console`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l acpi-oem-revision -d 'OEM revision in emitted ACPI table headers. QEMU writes 1; a guest kernel replaces firmware tables from its initrd only with a higher one' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l out -d 'Write every artifact of the target into this directory' -r -F
complete -c topoc -n "__fish_topoc_using_subcommand build" -l emit -d 'Write one artifact' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -s o -l output -d 'Where `--emit` writes: a file, or `-` for standard output (the default)' -r -F
complete -c topoc -n "__fish_topoc_using_subcommand build" -l format -d 'Diagnostics format: `json` is one versioned report on standard output (then `--emit` needs `-o FILE`)' -r -f -a "text\t''
json\t''"
complete -c topoc -n "__fish_topoc_using_subcommand build" -l allow -d 'Do not report this warning (a code, its name, or `warnings`); repeatable' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l warn -d 'Report this warning as a warning, whatever the file says; repeatable' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l deny -d 'Report this warning as an error, which stops the build (`--deny warnings`: every warning not allowed by code); repeatable' -r
complete -c topoc -n "__fish_topoc_using_subcommand build" -l color -d 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c topoc -n "__fish_topoc_using_subcommand build" -l fallback -d 'Compile what the target cannot express into its closest faithful form, with a warning for each, instead of refusing it (cloud-hypervisor: HMAT dropped, SPM as ordinary RAM, stand-in devices dropped; libvirt: libvirt\'s initiators, one direction of each HMAT pair, devices through `<qemu:commandline>`, SPM through `memmap=`)'
complete -c topoc -n "__fish_topoc_using_subcommand build" -l list -d 'List the artifacts and exit'
complete -c topoc -n "__fish_topoc_using_subcommand build" -s q -l quiet -d 'Print nothing but errors'
complete -c topoc -n "__fish_topoc_using_subcommand build" -s v -l verbose -d 'Say more about what is done'
complete -c topoc -n "__fish_topoc_using_subcommand build" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c topoc -n "__fish_topoc_using_subcommand build" -s V -l version -d 'Print version'
complete -c topoc -n "__fish_topoc_using_subcommand explain" -l color -d 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c topoc -n "__fish_topoc_using_subcommand explain" -l list -d 'List every code with its title'
complete -c topoc -n "__fish_topoc_using_subcommand explain" -s q -l quiet -d 'Print nothing but errors'
complete -c topoc -n "__fish_topoc_using_subcommand explain" -s v -l verbose -d 'Say more about what is done'
complete -c topoc -n "__fish_topoc_using_subcommand explain" -s h -l help -d 'Print help'
complete -c topoc -n "__fish_topoc_using_subcommand explain" -s V -l version -d 'Print version'
complete -c topoc -n "__fish_topoc_using_subcommand inspect" -l format -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c topoc -n "__fish_topoc_using_subcommand inspect" -l color -d 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c topoc -n "__fish_topoc_using_subcommand inspect" -s q -l quiet -d 'Print nothing but errors'
complete -c topoc -n "__fish_topoc_using_subcommand inspect" -s v -l verbose -d 'Say more about what is done'
complete -c topoc -n "__fish_topoc_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c topoc -n "__fish_topoc_using_subcommand inspect" -s V -l version -d 'Print version'
complete -c topoc -n "__fish_topoc_using_subcommand probe-script" -l color -d 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c topoc -n "__fish_topoc_using_subcommand probe-script" -s q -l quiet -d 'Print nothing but errors'
complete -c topoc -n "__fish_topoc_using_subcommand probe-script" -s v -l verbose -d 'Say more about what is done'
complete -c topoc -n "__fish_topoc_using_subcommand probe-script" -s h -l help -d 'Print help'
complete -c topoc -n "__fish_topoc_using_subcommand probe-script" -s V -l version -d 'Print version'
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l target -d 'The VMM to compile for' -r -f -a "qemu\t'QEMU (x86_64 q35 or pc)'
cloud-hypervisor\t'cloud-hypervisor (x86_64, KVM), v52 or later'
libvirt\t'libvirt domain XML (libvirt 11.3 or 11.8), for the QEMU of [target.qemu]'"
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l qemu-version -d 'QEMU release (overrides `[target.qemu] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l machine-type -d 'QEMU machine type (overrides `[target.qemu] machine`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l spm-dialect -d 'How Specific Purpose Memory reaches a QEMU guest (overrides `[target.qemu] spm`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l firmware -d 'Guest firmware (overrides `[target.qemu] firmware`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l cpu-model -d 'QEMU `-cpu` model (overrides `[target.qemu] cpu-model`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l ch-version -d 'cloud-hypervisor release (overrides `[target.cloud-hypervisor] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l ch-boot -d 'cloud-hypervisor boot path, which decides the guest\'s E820 map (overrides `[target.cloud-hypervisor] boot`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l ch-kernel -d 'cloud-hypervisor `--kernel` (overrides `[target.cloud-hypervisor] kernel`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l ch-initramfs -d 'cloud-hypervisor `--initramfs` (overrides `[target.cloud-hypervisor] initramfs`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l ch-cmdline -d 'cloud-hypervisor `--cmdline` (overrides `[target.cloud-hypervisor] cmdline`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l ch-firmware -d 'cloud-hypervisor `--firmware` (overrides `[target.cloud-hypervisor] firmware`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l libvirt-version -d 'libvirt release (overrides `[target.libvirt] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l libvirt-domain-type -d 'libvirt `<domain type>` (overrides `[target.libvirt] domain-type`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l libvirt-kernel -d 'libvirt `<os><kernel>` (overrides `[target.libvirt] kernel`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l libvirt-initrd -d 'libvirt `<os><initrd>` (overrides `[target.libvirt] initrd`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l libvirt-cmdline -d 'libvirt `<os><cmdline>` (overrides `[target.libvirt] cmdline`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l libvirt-console -d 'A file for the guest\'s serial console (overrides `[target.libvirt] console`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l acpi-oem-revision -d 'OEM revision in emitted ACPI table headers. QEMU writes 1; a guest kernel replaces firmware tables from its initrd only with a higher one' -r
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l guest -d 'The guest dump (`-` for standard input)' -r -F
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l format -d 'Report format' -r -f -a "text\t''
json\t''"
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l color -d 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l fallback -d 'Compile what the target cannot express into its closest faithful form, with a warning for each, instead of refusing it (cloud-hypervisor: HMAT dropped, SPM as ordinary RAM, stand-in devices dropped; libvirt: libvirt\'s initiators, one direction of each HMAT pair, devices through `<qemu:commandline>`, SPM through `memmap=`)'
complete -c topoc -n "__fish_topoc_using_subcommand verify" -l all -d 'Also list what each passing check expected'
complete -c topoc -n "__fish_topoc_using_subcommand verify" -s q -l quiet -d 'Print nothing but errors'
complete -c topoc -n "__fish_topoc_using_subcommand verify" -s v -l verbose -d 'Say more about what is done'
complete -c topoc -n "__fish_topoc_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c topoc -n "__fish_topoc_using_subcommand verify" -s V -l version -d 'Print version'
complete -c topoc -n "__fish_topoc_using_subcommand schema" -l color -d 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c topoc -n "__fish_topoc_using_subcommand schema" -s q -l quiet -d 'Print nothing but errors'
complete -c topoc -n "__fish_topoc_using_subcommand schema" -s v -l verbose -d 'Say more about what is done'
complete -c topoc -n "__fish_topoc_using_subcommand schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c topoc -n "__fish_topoc_using_subcommand schema" -s V -l version -d 'Print version'
complete -c topoc -n "__fish_topoc_using_subcommand import" -l srat -d 'An SRAT (a copy of /sys/firmware/acpi/tables/SRAT)' -r -F
complete -c topoc -n "__fish_topoc_using_subcommand import" -l slit -d 'A SLIT' -r -F
complete -c topoc -n "__fish_topoc_using_subcommand import" -l hmat -d 'An HMAT' -r -F
complete -c topoc -n "__fish_topoc_using_subcommand import" -l dump -d 'A guest dump of `topoc probe-script` (`-` for standard input)' -r -F
complete -c topoc -n "__fish_topoc_using_subcommand import" -l root -d 'Where the host\'s /sys and /proc are, for --host (a copy of them, for tests)' -r -F
complete -c topoc -n "__fish_topoc_using_subcommand import" -s o -l output -d 'Where to write: a file, or `-` for standard output (the default)' -r -F
complete -c topoc -n "__fish_topoc_using_subcommand import" -l name -d '`machine.name` of the file' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l memory-scale -d 'Scale every node\'s memory, SPM and caches: a fraction such as 1/64, or 0.25' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l memory -d 'Scale the memory to this total, such as 16GiB' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l nodes -d 'Keep only these node ids (as imported), such as 0-1' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l cpus -d 'Keep only these vCPUs (as imported), such as 0-7' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l devices -d 'How the devices behind Generic Initiators reach the VM' -r -f -a "stand-in\t'QEMU\'s `pci-testdev` stands in for each device: a file that checks and boots anywhere'
vfio\t'Pass each device through with VFIO at its PCI address'
none\t'Leave the devices and their Generic Initiator nodes out'"
complete -c topoc -n "__fish_topoc_using_subcommand import" -l target -d 'The VMM to compile for' -r -f -a "qemu\t'QEMU (x86_64 q35 or pc)'
cloud-hypervisor\t'cloud-hypervisor (x86_64, KVM), v52 or later'
libvirt\t'libvirt domain XML (libvirt 11.3 or 11.8), for the QEMU of [target.qemu]'"
complete -c topoc -n "__fish_topoc_using_subcommand import" -l qemu-version -d 'QEMU release (overrides `[target.qemu] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l machine-type -d 'QEMU machine type (overrides `[target.qemu] machine`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l spm-dialect -d 'How Specific Purpose Memory reaches a QEMU guest (overrides `[target.qemu] spm`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l firmware -d 'Guest firmware (overrides `[target.qemu] firmware`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l cpu-model -d 'QEMU `-cpu` model (overrides `[target.qemu] cpu-model`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l ch-version -d 'cloud-hypervisor release (overrides `[target.cloud-hypervisor] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l ch-boot -d 'cloud-hypervisor boot path, which decides the guest\'s E820 map (overrides `[target.cloud-hypervisor] boot`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l ch-kernel -d 'cloud-hypervisor `--kernel` (overrides `[target.cloud-hypervisor] kernel`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l ch-initramfs -d 'cloud-hypervisor `--initramfs` (overrides `[target.cloud-hypervisor] initramfs`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l ch-cmdline -d 'cloud-hypervisor `--cmdline` (overrides `[target.cloud-hypervisor] cmdline`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l ch-firmware -d 'cloud-hypervisor `--firmware` (overrides `[target.cloud-hypervisor] firmware`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l libvirt-version -d 'libvirt release (overrides `[target.libvirt] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l libvirt-domain-type -d 'libvirt `<domain type>` (overrides `[target.libvirt] domain-type`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l libvirt-kernel -d 'libvirt `<os><kernel>` (overrides `[target.libvirt] kernel`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l libvirt-initrd -d 'libvirt `<os><initrd>` (overrides `[target.libvirt] initrd`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l libvirt-cmdline -d 'libvirt `<os><cmdline>` (overrides `[target.libvirt] cmdline`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l libvirt-console -d 'A file for the guest\'s serial console (overrides `[target.libvirt] console`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l acpi-oem-revision -d 'OEM revision in emitted ACPI table headers. QEMU writes 1; a guest kernel replaces firmware tables from its initrd only with a higher one' -r
complete -c topoc -n "__fish_topoc_using_subcommand import" -l color -d 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c topoc -n "__fish_topoc_using_subcommand import" -l host -d 'The host this runs on'
complete -c topoc -n "__fish_topoc_using_subcommand import" -l fallback -d 'Compile what the target cannot express into its closest faithful form, with a warning for each, instead of refusing it (cloud-hypervisor: HMAT dropped, SPM as ordinary RAM, stand-in devices dropped; libvirt: libvirt\'s initiators, one direction of each HMAT pair, devices through `<qemu:commandline>`, SPM through `memmap=`)'
complete -c topoc -n "__fish_topoc_using_subcommand import" -s q -l quiet -d 'Print nothing but errors'
complete -c topoc -n "__fish_topoc_using_subcommand import" -s v -l verbose -d 'Say more about what is done'
complete -c topoc -n "__fish_topoc_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c topoc -n "__fish_topoc_using_subcommand import" -s V -l version -d 'Print version'
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l target -d 'The VMM to compile for' -r -f -a "qemu\t'QEMU (x86_64 q35 or pc)'
cloud-hypervisor\t'cloud-hypervisor (x86_64, KVM), v52 or later'
libvirt\t'libvirt domain XML (libvirt 11.3 or 11.8), for the QEMU of [target.qemu]'"
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l qemu-version -d 'QEMU release (overrides `[target.qemu] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l machine-type -d 'QEMU machine type (overrides `[target.qemu] machine`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l spm-dialect -d 'How Specific Purpose Memory reaches a QEMU guest (overrides `[target.qemu] spm`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l firmware -d 'Guest firmware (overrides `[target.qemu] firmware`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l cpu-model -d 'QEMU `-cpu` model (overrides `[target.qemu] cpu-model`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l ch-version -d 'cloud-hypervisor release (overrides `[target.cloud-hypervisor] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l ch-boot -d 'cloud-hypervisor boot path, which decides the guest\'s E820 map (overrides `[target.cloud-hypervisor] boot`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l ch-kernel -d 'cloud-hypervisor `--kernel` (overrides `[target.cloud-hypervisor] kernel`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l ch-initramfs -d 'cloud-hypervisor `--initramfs` (overrides `[target.cloud-hypervisor] initramfs`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l ch-cmdline -d 'cloud-hypervisor `--cmdline` (overrides `[target.cloud-hypervisor] cmdline`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l ch-firmware -d 'cloud-hypervisor `--firmware` (overrides `[target.cloud-hypervisor] firmware`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l libvirt-version -d 'libvirt release (overrides `[target.libvirt] version`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l libvirt-domain-type -d 'libvirt `<domain type>` (overrides `[target.libvirt] domain-type`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l libvirt-kernel -d 'libvirt `<os><kernel>` (overrides `[target.libvirt] kernel`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l libvirt-initrd -d 'libvirt `<os><initrd>` (overrides `[target.libvirt] initrd`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l libvirt-cmdline -d 'libvirt `<os><cmdline>` (overrides `[target.libvirt] cmdline`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l libvirt-console -d 'A file for the guest\'s serial console (overrides `[target.libvirt] console`)' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l acpi-oem-revision -d 'OEM revision in emitted ACPI table headers. QEMU writes 1; a guest kernel replaces firmware tables from its initrd only with a higher one' -r
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l format -d 'Picture format' -r -f -a "svg\t'A self-contained SVG picture'
dot\t'Graphviz dot'
mermaid\t'A Mermaid flowchart'"
complete -c topoc -n "__fish_topoc_using_subcommand graph" -s o -l output -d 'Where to write: a file, or `-` for standard output (the default)' -r -F
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l color -d 'When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR' -r -f -a "auto\t''
always\t''
never\t''"
complete -c topoc -n "__fish_topoc_using_subcommand graph" -l fallback -d 'Compile what the target cannot express into its closest faithful form, with a warning for each, instead of refusing it (cloud-hypervisor: HMAT dropped, SPM as ordinary RAM, stand-in devices dropped; libvirt: libvirt\'s initiators, one direction of each HMAT pair, devices through `<qemu:commandline>`, SPM through `memmap=`)'
complete -c topoc -n "__fish_topoc_using_subcommand graph" -s q -l quiet -d 'Print nothing but errors'
complete -c topoc -n "__fish_topoc_using_subcommand graph" -s v -l verbose -d 'Say more about what is done'
complete -c topoc -n "__fish_topoc_using_subcommand graph" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c topoc -n "__fish_topoc_using_subcommand graph" -s V -l version -d 'Print version'
