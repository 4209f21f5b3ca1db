# Unix port, standard variant, 32-bit: it freezes the same as the 64-bit build.
include("../unix/manifest.py")
