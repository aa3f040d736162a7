_topoc() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="topoc"
                ;;
            topoc,build)
                cmd="topoc__subcmd__build"
                ;;
            topoc,check)
                cmd="topoc__subcmd__check"
                ;;
            topoc,explain)
                cmd="topoc__subcmd__explain"
                ;;
            topoc,graph)
                cmd="topoc__subcmd__graph"
                ;;
            topoc,import)
                cmd="topoc__subcmd__import"
                ;;
            topoc,inspect)
                cmd="topoc__subcmd__inspect"
                ;;
            topoc,probe-script)
                cmd="topoc__subcmd__probe__subcmd__script"
                ;;
            topoc,schema)
                cmd="topoc__subcmd__schema"
                ;;
            topoc,verify)
                cmd="topoc__subcmd__verify"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        topoc)
            opts="-q -v -h -V --quiet --verbose --color --help --version check build explain inspect probe-script verify schema import graph"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        topoc__subcmd__build)
            opts="-o -q -v -h -V --target --qemu-version --machine-type --spm-dialect --firmware --cpu-model --ch-version --ch-boot --ch-kernel --ch-initramfs --ch-cmdline --ch-firmware --libvirt-version --libvirt-domain-type --libvirt-kernel --libvirt-initrd --libvirt-cmdline --libvirt-console --fallback --acpi-oem-revision --out --emit --output --format --allow --warn --deny --list --quiet --verbose --color --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --target)
                    COMPREPLY=($(compgen -W "qemu cloud-hypervisor libvirt" -- "${cur}"))
                    return 0
                    ;;
                --qemu-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --machine-type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --spm-dialect)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --firmware)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cpu-model)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-boot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-kernel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-initramfs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-cmdline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-firmware)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-domain-type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-kernel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-initrd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-cmdline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-console)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --acpi-oem-revision)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --emit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text json" -- "${cur}"))
                    return 0
                    ;;
                --allow)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warn)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --deny)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        topoc__subcmd__check)
            opts="-q -v -h -V --target --qemu-version --machine-type --spm-dialect --firmware --cpu-model --ch-version --ch-boot --ch-kernel --ch-initramfs --ch-cmdline --ch-firmware --libvirt-version --libvirt-domain-type --libvirt-kernel --libvirt-initrd --libvirt-cmdline --libvirt-console --fallback --acpi-oem-revision --format --allow --warn --deny --quiet --verbose --color --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --target)
                    COMPREPLY=($(compgen -W "qemu cloud-hypervisor libvirt" -- "${cur}"))
                    return 0
                    ;;
                --qemu-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --machine-type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --spm-dialect)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --firmware)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cpu-model)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-boot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-kernel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-initramfs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-cmdline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-firmware)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-domain-type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-kernel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-initrd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-cmdline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-console)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --acpi-oem-revision)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text json" -- "${cur}"))
                    return 0
                    ;;
                --allow)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --warn)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --deny)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        topoc__subcmd__explain)
            opts="-q -v -h -V --list --quiet --verbose --color --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        topoc__subcmd__graph)
            opts="-o -q -v -h -V --target --qemu-version --machine-type --spm-dialect --firmware --cpu-model --ch-version --ch-boot --ch-kernel --ch-initramfs --ch-cmdline --ch-firmware --libvirt-version --libvirt-domain-type --libvirt-kernel --libvirt-initrd --libvirt-cmdline --libvirt-console --fallback --acpi-oem-revision --format --output --quiet --verbose --color --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --target)
                    COMPREPLY=($(compgen -W "qemu cloud-hypervisor libvirt" -- "${cur}"))
                    return 0
                    ;;
                --qemu-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --machine-type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --spm-dialect)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --firmware)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cpu-model)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-boot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-kernel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-initramfs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-cmdline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-firmware)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-domain-type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-kernel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-initrd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-cmdline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-console)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --acpi-oem-revision)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "svg dot mermaid" -- "${cur}"))
                    return 0
                    ;;
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        topoc__subcmd__import)
            opts="-o -q -v -h -V --srat --slit --hmat --dump --host --root --output --name --memory-scale --memory --nodes --cpus --devices --target --qemu-version --machine-type --spm-dialect --firmware --cpu-model --ch-version --ch-boot --ch-kernel --ch-initramfs --ch-cmdline --ch-firmware --libvirt-version --libvirt-domain-type --libvirt-kernel --libvirt-initrd --libvirt-cmdline --libvirt-console --fallback --acpi-oem-revision --quiet --verbose --color --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --srat)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --slit)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --hmat)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --dump)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --root)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --output)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                -o)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --name)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --memory-scale)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --memory)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --nodes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cpus)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --devices)
                    COMPREPLY=($(compgen -W "stand-in vfio none" -- "${cur}"))
                    return 0
                    ;;
                --target)
                    COMPREPLY=($(compgen -W "qemu cloud-hypervisor libvirt" -- "${cur}"))
                    return 0
                    ;;
                --qemu-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --machine-type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --spm-dialect)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --firmware)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cpu-model)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-boot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-kernel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-initramfs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-cmdline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-firmware)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-domain-type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-kernel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-initrd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-cmdline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-console)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --acpi-oem-revision)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        topoc__subcmd__inspect)
            opts="-q -v -h -V --format --quiet --verbose --color --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --format)
                    COMPREPLY=($(compgen -W "text json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        topoc__subcmd__probe__subcmd__script)
            opts="-q -v -h -V --quiet --verbose --color --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        topoc__subcmd__schema)
            opts="-q -v -h -V --quiet --verbose --color --help --version input diagnostics verify"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        topoc__subcmd__verify)
            opts="-q -v -h -V --target --qemu-version --machine-type --spm-dialect --firmware --cpu-model --ch-version --ch-boot --ch-kernel --ch-initramfs --ch-cmdline --ch-firmware --libvirt-version --libvirt-domain-type --libvirt-kernel --libvirt-initrd --libvirt-cmdline --libvirt-console --fallback --acpi-oem-revision --guest --format --all --quiet --verbose --color --help --version"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --target)
                    COMPREPLY=($(compgen -W "qemu cloud-hypervisor libvirt" -- "${cur}"))
                    return 0
                    ;;
                --qemu-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --machine-type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --spm-dialect)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --firmware)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --cpu-model)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-boot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-kernel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-initramfs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-cmdline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --ch-firmware)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-domain-type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-kernel)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-initrd)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-cmdline)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --libvirt-console)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --acpi-oem-revision)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --guest)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text json" -- "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _topoc -o nosort -o bashdefault -o default topoc
else
    complete -F _topoc -o bashdefault -o default topoc
fi
