# MicroPython's qemu port on the BBC micro:bit machine (nRF51, Cortex-M0),
# using the mpconfigboard.mk in this folder in place of the port's
# boards/MICROBIT.  Its heap is kept small on purpose.
BOARD_PORT = qemu
BOARD_OUTPUT = firmware.elf
BOARD_MAKE_ARGS = BOARD=MICROBIT BOARD_DIR=$(CURDIR)/boards/qemu-microbit
BOARD_QEMU = qemu-system-arm -machine microbit -global nrf51-soc.flash-size=1048576 -global nrf51-soc.sram-size=262144
BOARD_DEBS = gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
# Run once after boot: the board has no flash filesystem, so give it a 128 KiB
# RAM disk, enough for the precompiled suite (mpconfigboard.mk makes the heap
# that much larger).
BOARD_SETUP = import ramfs; ramfs.mount(128)
# Its 96 KiB heap cannot compile the larger test files, so device-test
# copies them precompiled.
BOARD_DEVICE_TEST_MPY = 1
