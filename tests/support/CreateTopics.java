// Creates Kafka topics with the broker's own client library (daprd's pubsub.kafka creates none, and the test broker
// does not auto-create them). Run as a single-file program: java -cp '<kafka>/lib/*' CreateTopics.java <bootstrap>
// <partitions> <topic>...
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

public class CreateTopics {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", args[0]);
        int partitions = Integer.parseInt(args[1]);
        List<NewTopic> topics = new ArrayList<>();
        for (int i = 2; i < args.length; i++) topics.add(new NewTopic(args[i], partitions, (short) 1));
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(topics).all().get();
        }
    }
}
