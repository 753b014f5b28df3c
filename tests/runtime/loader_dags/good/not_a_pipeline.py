# This file never names the word the folder scan looks for, so it must not be imported.
raise RuntimeError("this file must not be imported")
