// apiserver/test/request_target_test.cc
