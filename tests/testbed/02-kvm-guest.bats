#!/usr/bin/env bats
# A KVM guest on a Shoji kernel: node0 of the testbed runs Debian's stock
# kernel as a guest (KVM on the AMD SVM the testbed emulates) and the guest
# reports from inside what it runs on.

load helpers

setup_file() {
	# KVM guests need one emulator thread per vCPU (shoji-testbed --help)
	testbed_start "$REPO/configs/two-nodes.ini" --tcg-threads multi
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure
}

@test "node0 can host KVM guests" {
	run node0 'ls -l /dev/kvm && dmesg | grep -c "kvm_amd: Nested Paging enabled"'
	assert_status 0
	assert_output_contains "1"
}

@test "a guest boots Debian's stock kernel under KVM with its vCPUs and its disk" {
	run node0 'cat > /tmp/guest-run.sh <<"END"
dd if=/dev/urandom of=/dev/vda bs=64k count=4 2>/dev/null && sync
echo "written $(head -c 262144 /dev/vda | md5sum | cut -d" " -f1)"
exit 3
END
		/usr/libexec/shoji/launch-guest --name g1 --dir /shoji/guests/g1 \
			--kernel /shoji/out/guest/vmlinuz --initrd /shoji/out/guest/initramfs.cpio.gz \
			--cpus 2 --memory 256M --disk /shoji/guests/g1/disk.img \
			--run /tmp/guest-run.sh --foreground
		echo "status $?"
		grep "^guest: name=\|^written" /shoji/guests/g1/console.log
		echo "on node0 $(head -c 262144 /shoji/guests/g1/disk.img | md5sum | cut -d" " -f1)"'
	assert_status 0
	assert_output_contains "status 3"
	assert_output_contains "guest: name=g1 kernel=$(cat "$REPO/out/guest/version") hypervisor=KVM cpus=2"
	assert_output_contains "disk=vda"
	written=$(sed -n 's/^written \([0-9a-f]*\).*/\1/p' <<< "$output")
	[ -n "$written" ] || fail "the guest did not report its write"
	assert_output_contains "on node0 $written"
}

@test "launch-guest refuses a missing kernel and says which" {
	run node0 /usr/libexec/shoji/launch-guest --name g2 --dir /tmp/g2 --kernel /nonexistent/vmlinuz
	assert_status 1
	assert_output_contains "launch-guest: g2: kernel /nonexistent/vmlinuz: no such file"
}
